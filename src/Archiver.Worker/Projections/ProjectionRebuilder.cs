using Archiver.Domain.Events;
using Archiver.Worker.Store;
using Npgsql;

namespace Archiver.Worker.Projections;

/// <summary>
/// <c>archiver projections rebuild</c>: empties every read model and replays the whole log through the same inline
/// projections, in global order, in one transaction. It holds the log head's lock throughout, so writers wait (they
/// cannot append past a rebuild) and readers see the old tables until the new ones commit. Secondary indexes are
/// dropped for the replay and built once at the end (architecture §5: rebuilds must not be slow).
/// </summary>
public sealed class ProjectionRebuilder(NpgsqlDataSource dataSource, IEnumerable<IInlineProjection> projections)
{
    public const int PageSize = 10_000;

    public sealed record Progress(long Events, long Total);

    public async Task<long> RebuildAsync(IProgress<Progress>? progress, CancellationToken cancellationToken)
    {
        var all = projections.ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var noJit = new NpgsqlCommand("SET LOCAL jit = off", connection, transaction)) // see AddArchiveStore
            await noJit.ExecuteNonQueryAsync(cancellationToken);
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

        long after = 0, done = 0;
        while (true)
        {
            var page = new List<RecordedEvent>(PageSize);
            await using (var read = new NpgsqlCommand(
                $"SELECT {PostgresEventStore.RecordedEventColumns} FROM archive.events WHERE global_position > $1 ORDER BY global_position LIMIT $2",
                connection, transaction))
            {
                read.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
                read.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PageSize });
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                    page.Add(PostgresEventStore.ReadRecordedEvent(reader));
            }
            if (page.Count == 0)
                break;
            foreach (var projection in all)
                await projection.ApplyAsync(connection, page, cancellationToken);
            after = page[^1].GlobalPosition;
            done += page.Count;
            progress?.Report(new Progress(done, total));
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
