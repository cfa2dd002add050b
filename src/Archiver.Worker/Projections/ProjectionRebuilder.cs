using Archiver.Domain.Events;
using Archiver.Worker.Store;
using Npgsql;

namespace Archiver.Worker.Projections;

/// <summary>
/// <c>archiver projections rebuild</c>: empties every read model and replays the whole log through the same inline
/// projections, in global order, in one transaction. It holds the log head's lock throughout, so writers wait (they
/// cannot append past a rebuild) and readers see the old tables until the new ones commit.
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

        long total;
        await using (var head = new NpgsqlCommand("SELECT last_position FROM archive.log_head FOR UPDATE", connection, transaction))
            total = (long)(await head.ExecuteScalarAsync(cancellationToken))!;
        var tables = all.SelectMany(p => p.Tables).Distinct().ToList();
        if (tables.Count > 0)
        {
            await using var truncate = new NpgsqlCommand($"TRUNCATE {string.Join(", ", tables)}", connection, transaction);
            await truncate.ExecuteNonQueryAsync(cancellationToken);
        }

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
        await transaction.CommitAsync(cancellationToken);
        return done;
    }
}
