using Npgsql;
using NpgsqlTypes;

namespace Archiver.Worker.Store;

/// <summary>Writes archive.rejections inside the caller's transaction: each (event, reason) and (frame, reason) once.</summary>
internal static class RejectionTable
{
    /// <returns>The records that were new (a record seen before keeps its first_seen and is not returned).</returns>
    public static async Task<List<RejectionRecord>> InsertAsync(
        NpgsqlConnection connection, IReadOnlyList<RejectionRecord> records, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
            return [];
        // One row per key, the first one given: the unique indexes would keep only the first anyway.
        var unique = records.DistinctBy(Key).ToList();
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO archive.rejections (stage, reason, detail, consumer_name, stream_id, position, global_position, raw, raw_size, raw_sha256, first_seen)
            SELECT *, $11 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bytea[], $9::bigint[], $10::bytea[])
            ON CONFLICT DO NOTHING
            RETURNING global_position, reason, consumer_name, raw_sha256
            """, connection);
        command.Parameters.Add(Texts(unique.Select(r => r.StageName)));
        command.Parameters.Add(Texts(unique.Select(r => r.Issue.Reason)));
        command.Parameters.Add(Texts(unique.Select(r => r.Issue.Detail)));
        command.Parameters.Add(Texts(unique.Select(r => r.ConsumerName)));
        command.Parameters.Add(Texts(unique.Select(r => r.StreamId)));
        command.Parameters.Add(new NpgsqlParameter<long?[]> { TypedValue = unique.Select(r => r.Position).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long?[]> { TypedValue = unique.Select(r => r.GlobalPosition).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<byte[]?[]> { TypedValue = unique.Select(r => r.Raw).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<long?[]> { TypedValue = unique.Select(r => r.RawSize).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<byte[]?[]> { TypedValue = unique.Select(r => r.RawSha256).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        var byKey = unique.ToDictionary(Key);
        var inserted = new List<RejectionRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.IsDBNull(0)
                ? ((long?)null, reader.GetString(1), reader.IsDBNull(2) ? "" : reader.GetString(2), reader.IsDBNull(3) ? "" : Convert.ToHexString(reader.GetFieldValue<byte[]>(3)))
                : (reader.GetInt64(0), reader.GetString(1), "", "");
            if (byKey.TryGetValue(key, out var record))
                inserted.Add(record);
        }
        return inserted;
    }

    /// <summary>What the unique indexes of archive.rejections say makes two records the same.</summary>
    private static (long? GlobalPosition, string Reason, string Consumer, string Sha) Key(RejectionRecord r) => r.GlobalPosition is { } g
        ? (g, r.Issue.Reason, "", "")
        : (null, r.Issue.Reason, r.ConsumerName ?? "", r.RawSha256 is null ? "" : Convert.ToHexString(r.RawSha256));

    private static NpgsqlParameter<string?[]> Texts(IEnumerable<string?> values) =>
        new() { TypedValue = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
}
