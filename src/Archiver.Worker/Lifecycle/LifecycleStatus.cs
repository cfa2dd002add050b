using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>The lifecycle's figures for <c>archiver status</c> (docs/compliance.md): null for a login that may not read them.</summary>
public sealed record LifecycleStatus(long Disposals, long Erasures, long ActiveHolds, long ReleasedHolds, string? MaskingRules, long SourceDeletions)
{
    public static async Task<LifecycleStatus?> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT (SELECT count(*) FROM archive.certificates WHERE kind = 'disposal'),
                   (SELECT count(*) FROM archive.certificates WHERE kind = 'erasure'),
                   (SELECT count(*) FROM archive.legal_holds h WHERE NOT EXISTS (SELECT 1 FROM archive.legal_hold_releases r WHERE r.hold_id = h.hold_id)),
                   (SELECT count(*) FROM archive.legal_hold_releases),
                   (SELECT set_id FROM archive.masking_rule_sets ORDER BY rule_set_id DESC LIMIT 1),
                   (SELECT count(*) FROM readmodel.source_deletions)
            """);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new LifecycleStatus(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5));
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.UndefinedTable)
        {
            return null; // the worker's or an analyst's login, or a schema from before migration 0012
        }
    }
}
