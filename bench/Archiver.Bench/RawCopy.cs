using Archiver.Domain.Events;
using Archiver.Domain.Hashing;
using NpgsqlTypes;

namespace Archiver.Bench;

/// <summary>
/// The baseline every store benchmark is compared with: raw binary COPY of exactly the rows the store writes (same
/// columns, values, positions and chained hashes, computed untimed), straight into archive.events.
/// </summary>
public static class RawCopy
{
    public sealed record Row(NewEvent Event, long GlobalPosition, DateTimeOffset RecordedAt, byte[] PrevHash, byte[] Hash);

    public static List<Row> Rows(IEnumerable<NewEvent> events)
    {
        var heads = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var rows = new List<Row>();
        var global = 1L;
        var recorded = EventHash.TruncateToMicroseconds(DateTimeOffset.UtcNow);
        foreach (var e in events)
        {
            var prev = heads.TryGetValue(e.StreamId, out var head) ? head : EventHash.Genesis.ToArray();
            var hash = EventHash.Compute(prev, global, e.StreamId, e.Position!.Value, e.Type, e.ServerTimestamp, recorded, null, e.Body);
            heads[e.StreamId] = hash;
            rows.Add(new Row(e, global++, recorded, prev, hash));
        }
        return rows;
    }

    /// <summary>One transaction of rows, as one batch of the store would be.</summary>
    public static async Task CopyAsync(BenchDatabase database, IReadOnlyCollection<Row> rows, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY archive.events (global_position, stream_id, position, type, body, dedupe_key, server_ts, recorded_at, prev_hash, hash) FROM STDIN (FORMAT BINARY)",
            cancellationToken))
        {
            foreach (var row in rows)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(row.GlobalPosition, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(row.Event.StreamId, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(row.Event.Position!.Value, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(row.Event.Type, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(row.Event.Body, NpgsqlDbType.Json, cancellationToken);
                await writer.WriteNullAsync(cancellationToken);
                if (row.Event.ServerTimestamp is { } ts)
                    await writer.WriteAsync(ts, NpgsqlDbType.TimestampTz, cancellationToken);
                else
                    await writer.WriteNullAsync(cancellationToken);
                await writer.WriteAsync(row.RecordedAt, NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(row.PrevHash, NpgsqlDbType.Bytea, cancellationToken);
                await writer.WriteAsync(row.Hash, NpgsqlDbType.Bytea, cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}
