using System.Runtime.CompilerServices;
using Archiver.Domain.Hashing;
using Npgsql;
using Head = Archiver.Domain.Hashing.StreamHead;

namespace Archiver.Worker.Store.Checkpoints;

/// <summary>The rows a checkpoint digests, read the same way by the one who signs and the one who verifies.</summary>
internal static class ArchiveTables
{
    /// <summary>Every non-empty stream's head as the streams table holds it.</summary>
    public static async Task<List<Head>> StreamHeadsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT stream_id, max_position, head_hash FROM archive.streams WHERE event_count > 0", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var heads = new List<Head>();
        while (await reader.ReadAsync(cancellationToken))
            heads.Add(new Head(reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2)));
        return heads;
    }

    /// <summary>A conflicts row's columns as <see cref="RowDigest"/> takes them (the row hash every checkpoint and certificate uses).</summary>
    public const string ConflictColumns = "conflict_id, stream_id, position, type, body::text, server_ts, received_at, existing_global_position";

    /// <summary>A rejections row's columns as <see cref="RowDigest"/> takes them.</summary>
    public const string RejectionColumns =
        "rejection_id, stage, reason, detail, consumer_name, stream_id, position, global_position, raw, raw_size, raw_sha256, first_seen";

    /// <summary>The lifecycle certificates after <paramref name="afterId"/>, in id order, as the fields <see cref="RowDigest"/> takes.</summary>
    public static IAsyncEnumerable<(long Id, object?[] Fields)> CertificatesAsync(NpgsqlConnection connection, long afterId, CancellationToken cancellationToken) =>
        RowsAsync(connection,
            """
            SELECT certificate_id, kind, conversation_id, statement, prev_hash, hash, created_at
            FROM archive.certificates WHERE certificate_id > $1 ORDER BY certificate_id
            """, afterId, cancellationToken);

    /// <summary>The console's access audit rows after <paramref name="afterId"/>, in id order (the table exists from migration 0013).</summary>
    public static IAsyncEnumerable<(long Id, object?[] Fields)> AccessAuditAsync(NpgsqlConnection connection, long afterId, CancellationToken cancellationToken) =>
        RowsAsync(connection, $"SELECT {AccessAuditColumns}, prev_hash, hash FROM archive.access_audit WHERE audit_id > $1 ORDER BY audit_id", afterId, cancellationToken);

    /// <summary>An access audit row's own columns, as its chain hash takes them (the chain links come after).</summary>
    public const string AccessAuditColumns = "audit_id, at, user_name, roles, address, action, conversation_id, detail::text";

    /// <summary>The conflicts after <paramref name="afterId"/>, in id order, as the fields <see cref="RowDigest"/> takes.</summary>
    public static IAsyncEnumerable<(long Id, object?[] Fields)> ConflictsAsync(NpgsqlConnection connection, long afterId, CancellationToken cancellationToken) =>
        RowsAsync(connection, $"SELECT {ConflictColumns} FROM archive.conflicts WHERE conflict_id > $1 ORDER BY conflict_id", afterId, cancellationToken);

    /// <summary>The rejections after <paramref name="afterId"/>, in id order, as the fields <see cref="RowDigest"/> takes.</summary>
    public static IAsyncEnumerable<(long Id, object?[] Fields)> RejectionsAsync(NpgsqlConnection connection, long afterId, CancellationToken cancellationToken) =>
        RowsAsync(connection, $"SELECT {RejectionColumns} FROM archive.rejections WHERE rejection_id > $1 ORDER BY rejection_id", afterId, cancellationToken);

    /// <summary>Rows of <paramref name="sql"/> (its first column the id, <c>$1</c> its one parameter) as <see cref="RowDigest"/> takes them.</summary>
    public static async IAsyncEnumerable<(long Id, object?[] Fields)> RowsAsync<T>(
        NpgsqlConnection connection, string sql, T parameter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = parameter });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var fields = new object?[reader.FieldCount];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = reader.IsDBNull(i) ? null : reader.GetFieldType(i) == typeof(DateTime)
                    ? reader.GetFieldValue<DateTimeOffset>(i)
                    : reader.GetValue(i);
            }
            yield return (reader.GetInt64(0), fields);
        }
    }
}
