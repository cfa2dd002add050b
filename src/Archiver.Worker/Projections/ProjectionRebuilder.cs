using Archiver.Domain.Events;
using Archiver.Domain.Protocol;
using Archiver.Worker.Store;
using System.Threading.Channels;
using Npgsql;

namespace Archiver.Worker.Projections;

/// <summary>
/// <c>archiver projections rebuild</c>: empties every read model and replays the whole log through the same inline
/// projections, in global order, in one transaction. It holds the log head's lock throughout, so writers wait (they
/// cannot append past a rebuild) and readers see the old tables until the new ones commit. Secondary indexes, and the
/// keys no projection reads while rebuilding, are dropped for the replay and built once at the end; projections may
/// take a faster path that gives the same rows (<see cref="IInlineProjection.ApplyRebuildingAsync"/>).
/// docs/architecture.md §5: rebuilds must not be slow.
/// </summary>
public sealed class ProjectionRebuilder(NpgsqlDataSource dataSource, IEnumerable<IInlineProjection> projections, TimeProvider timeProvider)
{
    public const int PageSize = 10_000;

    public sealed record Progress(long Events, long Total);

    public async Task<long> RebuildAsync(IProgress<Progress>? progress, CancellationToken cancellationToken)
    {
        var all = projections.ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // No JIT (see AddArchiveStore); memory for the index builds at the end, which sort the whole tables at once.
        await using (var settings = new NpgsqlCommand("SET LOCAL jit = off; SET LOCAL maintenance_work_mem = '256MB'", connection, transaction))
            await settings.ExecuteNonQueryAsync(cancellationToken);
        long total;
        await using (var head = new NpgsqlCommand("SELECT last_position FROM archive.log_head FOR UPDATE", connection, transaction))
            total = (long)(await head.ExecuteScalarAsync(cancellationToken))!;
        var tables = all.SelectMany(p => p.Tables).Distinct().ToList();
        if (tables.Count > 0)
        {
            await using var truncate = new NpgsqlCommand($"TRUNCATE {string.Join(", ", tables)}", connection, transaction);
            await truncate.ExecuteNonQueryAsync(cancellationToken);
        }
        var secondaryIndexes = await DropSecondaryIndexesAsync(connection, transaction, tables, cancellationToken);
        foreach (var projection in all)
            projection.BeginRebuild();
        var keys = await DropKeysAsync(connection, transaction, all.SelectMany(p => p.UnkeyedWhileRebuilding).Distinct().ToList(), cancellationToken);

        // A pipeline, each stage a page ahead of the next: pages are read on a second connection, parsed on another
        // thread (each projection's pure PrepareRebuilding), enriched on a third connection (EnrichRebuildingAsync: the
        // search vectors) and applied on this one. The log is append-only and the writers are held at the log head, so
        // everything up to `total` is there to read and nothing else.
        var read = Channel.CreateBounded<List<RecordedEvent>>(2);
        var parsed = Channel.CreateBounded<PreparedPage>(2);
        var enriched = Channel.CreateBounded<PreparedPage>(2);
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var helper = await dataSource.OpenConnectionAsync(cancellationToken);
        var stages = new[]
        {
            ReadAheadAsync(total, read.Writer, stopReading.Token),
            StageAsync(read.Reader, parsed.Writer, (page, _) => Task.FromResult(Prepare(all, page)), stopReading.Token),
            StageAsync(parsed.Reader, enriched.Writer, async (page, ct) =>
            {
                for (var i = 0; i < all.Count; i++)
                    page.Rows[i] = await all[i].EnrichRebuildingAsync(helper, page.Rows[i], ct);
                return page;
            }, stopReading.Token),
        };
        long done = 0;
        try
        {
            await foreach (var page in enriched.Reader.ReadAllAsync(cancellationToken))
            {
                await ApplyIsolatedAsync(all, connection, transaction, helper, page, cancellationToken);
                done += page.Events.Count;
                progress?.Report(new Progress(done, total));
            }
        }
        finally
        {
            await stopReading.CancelAsync();
            try
            {
                await Task.WhenAll(stages);
            }
            catch (OperationCanceledException)
            {
                // Stopped early because applying failed; that failure is what propagates.
            }
        }

        foreach (var projection in all)
            await projection.FinishRebuildAsync(connection, cancellationToken);
        foreach (var definition in keys)
        {
            await using var add = new NpgsqlCommand(definition, connection, transaction);
            await add.ExecuteNonQueryAsync(cancellationToken);
        }
        // Built once over the whole table instead of row by row: the full-text index above all.
        foreach (var definition in secondaryIndexes)
        {
            await using var create = new NpgsqlCommand(definition, connection, transaction);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return done;
    }

    /// <summary>A page of the log with what each projection prepared from it, in the projections' order, and the issues found.</summary>
    private sealed record PreparedPage(List<RecordedEvent> Events, object?[] Rows, ProjectionIssues Issues);

    private static PreparedPage Prepare(List<IInlineProjection> all, List<RecordedEvent> page)
    {
        var issues = new ProjectionIssues();
        return new PreparedPage(page, all.Select(p => p.PrepareRebuilding(page, issues)).ToArray(), issues);
    }

    /// <summary>
    /// Applies a page under a savepoint and records its issues. As in a live append (docs/ingestion.md), content that a
    /// projection cannot take must not stop the rebuild: the page is rolled back and applied event by event, and an
    /// event that still fails is recorded and left out of the read models.
    /// </summary>
    private async Task ApplyIsolatedAsync(
        List<IInlineProjection> all, NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlConnection helper, PreparedPage page,
        CancellationToken cancellationToken)
    {
        await transaction.SaveAsync("page", cancellationToken);
        try
        {
            for (var i = 0; i < all.Count; i++)
                await all[i].ApplyRebuildingAsync(connection, page.Events, page.Rows[i], page.Issues, cancellationToken);
            await RecordAsync(connection, page.Issues, cancellationToken);
            return;
        }
        catch (Exception e) when (StoreFailures.IsContent(e))
        {
            await transaction.RollbackAsync("page", cancellationToken);
        }

        var issues = new ProjectionIssues();
        foreach (var e in page.Events)
        {
            await transaction.SaveAsync("event", cancellationToken);
            var one = Prepare(all, [e]);
            try
            {
                for (var i = 0; i < all.Count; i++)
                {
                    var rows = await all[i].EnrichRebuildingAsync(helper, one.Rows[i], cancellationToken);
                    await all[i].ApplyRebuildingAsync(connection, one.Events, rows, one.Issues, cancellationToken);
                }
                await transaction.ReleaseAsync("event", cancellationToken);
                issues.AddRange(one.Issues);
            }
            catch (Exception failure) when (StoreFailures.IsContent(failure))
            {
                await transaction.RollbackAsync("event", cancellationToken);
                issues.Add(e, ArchiveIssue.Of(IssueReasons.ProjectionFailed, $"not projected: {failure.GetType().Name}: {failure.Message}"));
            }
        }
        await RecordAsync(connection, issues, cancellationToken);
    }

    /// <summary>Issues found while rebuilding go where live ones go; those recorded before keep their first_seen.</summary>
    private async Task RecordAsync(NpgsqlConnection connection, ProjectionIssues issues, CancellationToken cancellationToken)
    {
        if (issues.Items.Count > 0)
            await RejectionTable.InsertAsync(connection, issues.ToRecords().ToList(), timeProvider.GetUtcNow(), cancellationToken);
    }

    /// <summary>One stage of the pipeline: each item in, transformed, out; a failure or the end is passed on.</summary>
    private static async Task StageAsync<TIn, TOut>(
        ChannelReader<TIn> input, ChannelWriter<TOut> output, Func<TIn, CancellationToken, Task<TOut>> transform, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in input.ReadAllAsync(cancellationToken))
                await output.WriteAsync(await transform(item, cancellationToken), cancellationToken);
            output.Complete();
        }
        catch (Exception e)
        {
            output.Complete(e);
            throw;
        }
    }

    private async Task ReadAheadAsync(long total, ChannelWriter<List<RecordedEvent>> pages, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            long after = 0;
            while (after < total)
            {
                var page = new List<RecordedEvent>(PageSize);
                await using (var read = new NpgsqlCommand(
                    $"SELECT {PostgresEventStore.RecordedEventColumns} FROM archive.events WHERE global_position > $1 AND global_position <= $2 ORDER BY global_position LIMIT $3",
                    connection))
                {
                    read.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
                    read.Parameters.Add(new NpgsqlParameter<long> { TypedValue = total });
                    read.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PageSize });
                    await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                    while (await reader.ReadAsync(cancellationToken))
                        page.Add(PostgresEventStore.ReadRecordedEvent(reader));
                }
                if (page.Count == 0)
                    break;
                await pages.WriteAsync(page, cancellationToken);
                after = page[^1].GlobalPosition;
            }
            pages.Complete();
        }
        catch (Exception e)
        {
            pages.Complete(e);
            throw;
        }
    }

    /// <summary>Drops the primary keys of the given tables; returns the statements that add them back.</summary>
    private static async Task<List<string>> DropKeysAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<string> tables, CancellationToken cancellationToken)
    {
        var keys = new List<(string Table, string Name, string Definition)>();
        await using (var find = new NpgsqlCommand(
            """
            SELECT k.conrelid::regclass::text, quote_ident(k.conname), pg_get_constraintdef(k.oid)
            FROM pg_constraint k
            WHERE k.contype = 'p' AND k.conrelid = ANY (SELECT unnest($1::text[])::regclass)
            """, connection, transaction))
        {
            find.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tables.ToArray() });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                keys.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        foreach (var (table, name, _) in keys)
        {
            await using var drop = new NpgsqlCommand($"ALTER TABLE {table} DROP CONSTRAINT {name}", connection, transaction);
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }
        return keys.Select(k => $"ALTER TABLE {k.Table} ADD CONSTRAINT {k.Name} {k.Definition}").ToList();
    }

    /// <summary>
    /// Drops the rebuilt tables' indexes that no constraint needs (the projections' ON CONFLICT needs the keys) and
    /// returns their definitions as the migrations made them, to be created again at the end of the same transaction.
    /// </summary>
    private static async Task<List<string>> DropSecondaryIndexesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<string> tables, CancellationToken cancellationToken)
    {
        var indexes = new List<(string Name, string Definition)>();
        await using (var find = new NpgsqlCommand(
            """
            SELECT format('%I.%I', n.nspname, c.relname), pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE i.indrelid = ANY (SELECT unnest($1::text[])::regclass)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            """, connection, transaction))
        {
            find.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tables.ToArray() });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                indexes.Add((reader.GetString(0), reader.GetString(1)));
        }
        foreach (var (name, _) in indexes)
        {
            await using var drop = new NpgsqlCommand($"DROP INDEX {name}", connection, transaction);
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }
        return indexes.Select(i => i.Definition).ToList();
    }
}
