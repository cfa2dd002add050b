using Archiver.Domain.Hashing;
using Npgsql;

namespace Archiver.Worker.Store.Verification;

/// <summary>One stream's chain as the console shows it: intact, or the first thing wrong; and how many events an erasure redacted.</summary>
public sealed record StreamCheckResult(string StreamId, long Events, long Redacted, string? Problem)
{
    public bool Intact => Problem is null;
}

/// <summary>
/// A few streams' hash chains checked now (the console's "chain verification status" of a conversation): every event
/// recomputed from its stored bytes — or, where an erasure certificate redacted it, against the redacted hash it states —
/// each link to the event before, and the stream's head. The same rules as <see cref="EventLogVerifier"/>, for one
/// conversation instead of the whole log.
/// </summary>
public static class StreamCheck
{
    public static async Task<List<StreamCheckResult>> CheckAsync(NpgsqlConnection connection, IReadOnlyList<string> streamIds, CancellationToken cancellationToken)
    {
        var heads = new Dictionary<string, (long Count, byte[] Head)>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT stream_id, event_count, head_hash FROM archive.streams WHERE stream_id = ANY($1)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. streamIds] });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                heads[reader.GetString(0)] = (reader.GetInt64(1), reader.GetFieldValue<byte[]>(2));
        }
        var redacted = new Dictionary<long, byte[]>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT DISTINCT ON (global_position) global_position, redacted_hash FROM archive.certified_events
            WHERE stream_id = ANY($1) AND action = 'redacted' ORDER BY global_position, certificate_id DESC
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. streamIds] });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                redacted[reader.GetInt64(0)] = reader.GetFieldValue<byte[]>(1);
        }

        var results = new List<StreamCheckResult>();
        foreach (var stream in streamIds.Order(StringComparer.Ordinal))
        {
            await using var command = new NpgsqlCommand(
                $"SELECT {PostgresEventStore.RecordedEventColumns} FROM archive.events WHERE stream_id = $1 ORDER BY global_position", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
            var previous = EventHash.Genesis.ToArray();
            long count = 0, redactions = 0;
            string? problem = null;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var e = PostgresEventStore.ReadRecordedEvent(reader);
                    count++;
                    var recomputed = EventHash.Compute(e.PrevHash.Span, e.GlobalPosition, e.StreamId, e.Position, e.Type, e.ServerTimestamp, e.RecordedAt,
                        e.DedupeKey, e.Body);
                    var matches = redacted.TryGetValue(e.GlobalPosition, out var expected)
                        ? recomputed.AsSpan().SequenceEqual(expected)
                        : recomputed.AsSpan().SequenceEqual(e.Hash.Span);
                    if (redacted.ContainsKey(e.GlobalPosition) && matches)
                        redactions++;
                    if (problem is null && !matches)
                        problem = $"the event at position {e.Position} no longer matches its hash: it was edited";
                    if (problem is null && !e.PrevHash.Span.SequenceEqual(previous))
                        problem = $"the event at position {e.Position} does not link to the one before it: an event was removed or inserted";
                    previous = e.Hash.ToArray();
                }
            }
            if (problem is null && heads.TryGetValue(stream, out var head) && (head.Count != count || !head.Head.AsSpan().SequenceEqual(previous)))
                problem = $"the stream records {head.Count} event(s) and a head its {count} stored event(s) do not give";
            results.Add(new StreamCheckResult(stream, count, redactions, problem));
        }
        return results;
    }
}
