using Archiver.Domain.Hashing;
using Archiver.Domain.Lifecycle;
using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>
/// Issues a certificate inside the lifecycle operation's own transaction (docs/compliance.md): numbered and chained
/// after the last one (one at a time, under an advisory lock held to the end of the transaction), with the events and
/// rows it names indexed for the append-only triggers, which then let exactly those be removed or redacted.
/// </summary>
internal static class CertificateIssuer
{
    // Any fixed number: the same for every Archiver process on this database.
    private const long CertificatesLockKey = 0x4365_7274_6966_7973; // "Certifys"

    /// <param name="statement">The statement, given its number and the previous certificate's hash.</param>
    /// <param name="eventAction"><c>disposed</c> or <c>redacted</c>: what happens to the events and rows it names.</param>
    public static async Task<CertificateStatement> IssueAsync(
        NpgsqlConnection connection, Func<long, byte[], CertificateStatement> statement, string eventAction, CancellationToken cancellationToken)
    {
        await using (var locking = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({CertificatesLockKey})", connection))
            await locking.ExecuteNonQueryAsync(cancellationToken);
        long last = 0;
        var previous = new byte[EventHash.Size];
        await using (var command = new NpgsqlCommand("SELECT certificate_id, hash FROM archive.certificates ORDER BY certificate_id DESC LIMIT 1", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
                (last, previous) = (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
        }

        var stated = statement(last + 1, previous);
        var text = stated.ToCanonicalJson();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO archive.certificates (certificate_id, kind, conversation_id, statement, prev_hash, hash, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, connection))
        {
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = stated.Number });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stated.Kind });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stated.ConversationId });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = previous });
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = CertificateStatement.HashOf(previous, text) });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = stated.At });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        if (stated.Events.Count > 0)
        {
            await using var events = new NpgsqlCommand(
                """
                INSERT INTO archive.certified_events (global_position, action, certificate_id, stream_id, position, hash, redacted_hash)
                SELECT g, $2, $3, s, p, h, r FROM unnest($1::bigint[], $4::text[], $5::bigint[], $6::bytea[], $7::bytea[]) AS e(g, s, p, h, r)
                """, connection);
            events.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = stated.Events.Select(e => e.GlobalPosition).ToArray() });
            events.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eventAction });
            events.Parameters.Add(new NpgsqlParameter<long> { TypedValue = stated.Number });
            events.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = stated.Events.Select(e => e.StreamId).ToArray() });
            events.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = stated.Events.Select(e => e.Position).ToArray() });
            events.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = stated.Events.Select(e => e.Hash).ToArray() });
            events.Parameters.Add(new NpgsqlParameter<byte[]?[]> { TypedValue = stated.Events.Select(e => e.RedactedHash).ToArray() });
            await events.ExecuteNonQueryAsync(cancellationToken);
        }
        if (stated.Rows.Count > 0)
        {
            await using var rows = new NpgsqlCommand(
                """
                INSERT INTO archive.certified_rows (table_name, row_id, action, certificate_id, row_hash)
                SELECT t, i, $3, $4, h FROM unnest($1::text[], $2::bigint[], $5::bytea[]) AS r(t, i, h)
                """, connection);
            rows.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = stated.Rows.Select(r => r.Table).ToArray() });
            rows.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = stated.Rows.Select(r => r.RowId).ToArray() });
            rows.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eventAction });
            rows.Parameters.Add(new NpgsqlParameter<long> { TypedValue = stated.Number });
            rows.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = stated.Rows.Select(r => r.RowHash).ToArray() });
            await rows.ExecuteNonQueryAsync(cancellationToken);
        }
        return stated;
    }
}
