using System.Security.Claims;
using System.Text.Json.Nodes;
using Archiver.Domain.Hashing;
using Archiver.Worker.Store.Verification;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Archiver.Worker.WebConsole;

/// <summary>One row of the access audit trail as the audit page shows it.</summary>
public sealed record AuditRow(long Id, DateTimeOffset At, string User, string Roles, string? Address, string Action, string? ConversationId, string Detail);

/// <summary>
/// The console's access audit trail (docs/console.md): every search, conversation view, export, hold placed or released,
/// sign-in and refusal, with who, from where and when, appended to archive.access_audit — numbered and hash-chained one at
/// a time under an advisory lock, and covered by the signed checkpoints.
/// </summary>
public sealed class AccessAudit(NpgsqlDataSource dataSource, TimeProvider time)
{
    // Any fixed number: the same for every console on this database.
    private const long AuditLockKey = 0x4175_6469_7454_7261; // "AuditTra"

    public const string SignIn = "sign-in";
    public const string SignOut = "sign-out";
    public const string Search = "search";
    public const string View = "view";
    public const string Export = "export";
    public const string HoldCreate = "hold-create";
    public const string HoldRelease = "hold-release";
    public const string AuditViewed = "audit";
    public const string Denied = "denied";

    public Task RecordAsync(HttpContext context, string action, string? conversationId, JsonObject detail, CancellationToken cancellationToken) =>
        RecordAsync(context.User, context.Connection.RemoteIpAddress?.ToString(), action, conversationId, detail, cancellationToken);

    public async Task RecordAsync(ClaimsPrincipal user, string? address, string action, string? conversationId, JsonObject detail, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var locking = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AuditLockKey})", connection))
            await locking.ExecuteNonQueryAsync(cancellationToken);
        long last = 0;
        var previous = new byte[EventHash.Size];
        await using (var head = new NpgsqlCommand("SELECT audit_id, hash FROM archive.access_audit ORDER BY audit_id DESC LIMIT 1", connection))
        await using (var reader = await head.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
                (last, previous) = (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
        }
        // Times as PostgreSQL keeps them (microseconds), so the hash taken here is the one verify recomputes.
        var at = EventHash.TruncateToMicroseconds(time.GetUtcNow());
        var text = detail.ToJsonString();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO archive.access_audit (audit_id, at, user_name, roles, address, action, conversation_id, detail, prev_hash, hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)
            RETURNING detail::text
            """, connection))
        {
            // The hash is over the row as stored: jsonb normalises the detail's text, so it is read back first.
            await using (var normalise = new NpgsqlCommand("SELECT $1::jsonb::text", connection))
            {
                normalise.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
                text = (string)(await normalise.ExecuteScalarAsync(cancellationToken))!;
            }
            var fields = new object?[] { last + 1, at, user.NameOf(), user.RolesOf(), address, action, conversationId, text };
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = last + 1 });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user.NameOf() });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user.RolesOf() });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)address ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = action });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)conversationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = previous });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = AccessAuditChain.Link(previous, fields) });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The newest rows first, filtered; <paramref name="limit"/> + 1 read to tell whether more follow.</summary>
    public async Task<List<AuditRow>> ReadAsync(string? user, string? action, string? conversationId, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT audit_id, at, user_name, roles, address, action, conversation_id, detail::text FROM archive.access_audit
            WHERE ($1::text IS NULL OR user_name = $1) AND ($2::text IS NULL OR action = $2)
              AND ($3::text IS NULL OR conversation_id = $3 OR detail->'conversations' ? $3)
            ORDER BY audit_id DESC OFFSET $4 LIMIT $5
            """);
        command.Parameters.Add(Text(user));
        command.Parameters.Add(Text(action));
        command.Parameters.Add(Text(conversationId));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<AuditRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new AuditRow(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetString(7)));
        }
        return rows;
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { Value = string.IsNullOrWhiteSpace(value) ? DBNull.Value : value.Trim(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };
}
