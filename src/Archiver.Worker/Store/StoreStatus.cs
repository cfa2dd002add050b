using Npgsql;

namespace Archiver.Worker.Store;

/// <summary>What <c>archiver status</c> shows.</summary>
/// <param name="Rejections">archive.rejections by "stage/reason" (docs/ingestion.md): what was archived but not as it came.</param>
public sealed record StoreStatus(
    int? SchemaVersion, long Events, long Streams, long Conflicts, DateTimeOffset? LastAppendAt, long DatabaseBytes,
    IReadOnlyDictionary<string, long> Rejections)
{
    /// <summary>Certificates, holds, masking and source deletions, where the login may read them (set by <c>archiver status</c>).</summary>
    public Lifecycle.LifecycleStatus? Lifecycle { get; init; }

    public static async Task<StoreStatus> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var probe = dataSource.CreateCommand("SELECT to_regclass('archive.log_head') IS NOT NULL, to_regclass('archive.schema_migrations') IS NOT NULL");
        await using (var reader = await probe.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            if (!reader.GetBoolean(0))
            {
                int? version = reader.GetBoolean(1) ? 0 : null;
                return new StoreStatus(version, 0, 0, 0, null, 0, new Dictionary<string, long>());
            }
        }

        // Global positions are gapless, so the log head is the event count without a scan.
        await using var command = dataSource.CreateCommand(
            """
            SELECT (SELECT max(version) FROM archive.schema_migrations),
                   (SELECT last_position FROM archive.log_head),
                   (SELECT count(*) FROM archive.streams WHERE event_count > 0),
                   (SELECT count(*) FROM archive.conflicts),
                   (SELECT max(last_append_at) FROM archive.streams),
                   pg_database_size(current_database())
            """);
        StoreStatus result;
        await using (var status = await command.ExecuteReaderAsync(cancellationToken))
        {
            await status.ReadAsync(cancellationToken);
            result = new StoreStatus(
                status.IsDBNull(0) ? null : status.GetInt32(0),
                status.GetInt64(1),
                status.GetInt64(2),
                status.GetInt64(3),
                status.IsDBNull(4) ? null : status.GetFieldValue<DateTimeOffset>(4),
                status.GetInt64(5),
                new Dictionary<string, long>());
        }
        return result with { Rejections = await RejectionsAsync(dataSource, cancellationToken) };
    }

    /// <summary>archive.rejections counted by stage and reason (the table exists from migration 0008).</summary>
    private static async Task<IReadOnlyDictionary<string, long>> RejectionsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand("SELECT stage || '/' || reason, count(*) FROM archive.rejections GROUP BY 1");
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                counts[reader.GetString(0)] = reader.GetInt64(1);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // A schema older than migration 0008: nothing was recorded.
        }
        return counts;
    }
}
