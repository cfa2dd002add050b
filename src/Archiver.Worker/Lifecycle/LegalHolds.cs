using System.Text.Json.Nodes;
using Archiver.Domain.Archive;
using Archiver.Worker.Store;
using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>A hold as listed: its scope, who made it and why, its release if any, and how many conversations it holds now.</summary>
public sealed record HoldView(
    long HoldId, string CaseId, string Reason, string Scope, string CreatedBy, DateTimeOffset CreatedAt,
    string? ReleaseReason, string? ReleasedBy, DateTimeOffset? ReleasedAt, long Conversations)
{
    public bool Active => ReleasedAt is null;
}

/// <summary>
/// Legal holds (docs/compliance.md): created and released by a compliance officer with the owner's login, each recorded
/// with who, when and why in archive.legal_holds / legal_hold_releases (kept for ever) and in the admin stream, which the
/// checkpoints cover. A held conversation is never disposed or erased.
/// </summary>
public sealed class LegalHolds(NpgsqlDataSource dataSource, AdminLog admin, TimeProvider time)
{
    /// <param name="actor">
    /// The person placing the hold when that is not the database login: the console's signed-in user (its login is shared
    /// by everyone using the console). The CLI leaves it null, and the login is recorded.
    /// </param>
    public async Task<long> CreateAsync(string caseId, string reason, HoldScope scope, CancellationToken cancellationToken, string? actor = null)
    {
        if (string.IsNullOrWhiteSpace(caseId))
            throw new ArgumentException("--case is required: the case or matter the hold is for.");
        if (string.IsNullOrWhiteSpace(reason))
            throw new ArgumentException("--reason is required: why the hold is placed.");
        if (scope.Problem() is { } problem)
            throw new ArgumentException(problem);

        var json = scope.ToJson().ToJsonString();
        long holdId;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand(
            """
            INSERT INTO archive.legal_holds (case_id, reason, scope, created_by, created_at)
            VALUES ($1, $2, $3::jsonb, coalesce($5, current_user), $4) RETURNING hold_id
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = caseId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = json });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)actor ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            holdId = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        if (await MayAppendAsync(cancellationToken))
        {
            await admin.RecordAsync(ArchiveEventTypes.HoldCreated, holdId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new JsonObject { ["holdId"] = holdId, ["caseId"] = caseId, ["reason"] = reason, ["scope"] = JsonNode.Parse(json) }, cancellationToken);
        }
        return holdId;
    }

    public async Task ReleaseAsync(long holdId, string reason, CancellationToken cancellationToken, string? actor = null)
    {
        if (string.IsNullOrWhiteSpace(reason))
            throw new ArgumentException("--reason is required: why the hold is released.");
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand(
            """
            INSERT INTO archive.legal_hold_releases (hold_id, reason, released_by, released_at)
            SELECT hold_id, $2, coalesce($4, current_user), $3 FROM archive.legal_holds WHERE hold_id = $1
            ON CONFLICT (hold_id) DO NOTHING
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = holdId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)actor ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                var holds = await ListAsync(cancellationToken);
                throw new InvalidOperationException(holds.Any(h => h.HoldId == holdId)
                    ? $"hold {holdId} was already released"
                    : $"there is no hold {holdId}");
            }
        }
        if (await MayAppendAsync(cancellationToken))
        {
            await admin.RecordAsync(ArchiveEventTypes.HoldReleased, holdId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new JsonObject { ["holdId"] = holdId, ["reason"] = reason }, cancellationToken);
        }
    }

    /// <summary>
    /// Whether this login may append to the admin stream: the owner (the CLI) records holds there; the console's login may
    /// not, and records them in the access audit trail instead (docs/console.md) — both chained and checkpointed.
    /// </summary>
    private async Task<bool> MayAppendAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT has_table_privilege('archive.events', 'INSERT')");
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public async Task<IReadOnlyList<HoldView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT h.hold_id, h.case_id, h.reason, h.scope::text, h.created_by, h.created_at, r.reason, r.released_by, r.released_at,
                   (SELECT count(*) FROM archive.held_conversations x WHERE x.hold_id = h.hold_id)
            FROM archive.legal_holds h LEFT JOIN archive.legal_hold_releases r USING (hold_id)
            ORDER BY h.hold_id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var holds = new List<HoldView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            holds.Add(new HoldView(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8), reader.GetInt64(9)));
        }
        return holds;
    }

    /// <summary>
    /// The active holds whose scope matches a conversation, inside a lifecycle operation's transaction: the holds'
    /// tables are locked against new holds and releases until it ends, so what it decided stays true when it commits.
    /// </summary>
    internal static async Task<List<(long HoldId, string CaseId)>> HoldingAsync(NpgsqlConnection connection, string conversationId, CancellationToken cancellationToken)
    {
        await using (var locking = new NpgsqlCommand("LOCK TABLE archive.legal_holds, archive.legal_hold_releases IN SHARE MODE", connection))
            await locking.ExecuteNonQueryAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT hold_id, case_id FROM archive.held_conversations WHERE conversation_id = $1 ORDER BY hold_id", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = conversationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var holds = new List<(long, string)>();
        while (await reader.ReadAsync(cancellationToken))
            holds.Add((reader.GetInt64(0), reader.GetString(1)));
        return holds;
    }

    internal static string Describe(IReadOnlyList<(long HoldId, string CaseId)> holds) =>
        "under legal hold: " + string.Join(", ", holds.Select(h => $"hold {h.HoldId} (case {h.CaseId})"));
}
