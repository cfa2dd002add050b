using Archiver.Domain.Hashing;
using Npgsql;

namespace Archiver.Worker.Store.Verification;

public enum FindingKind
{
    /// <summary>The row no longer hashes to its stored hash: its content (or position, type, times) was edited.</summary>
    ContentChanged,

    /// <summary>The row's link does not match the event before it: an event was removed, inserted or reordered.</summary>
    ChainBroken,

    /// <summary>The stream row's head hash or count disagrees with its events.</summary>
    StreamHeadMismatch,

    /// <summary>Global positions skip numbers, or the log head disagrees: events were removed.</summary>
    GlobalPositionGap,

    /// <summary>A checkpoint file's signature does not verify with the public key: the file was altered or forged.</summary>
    CheckpointSignatureInvalid,

    /// <summary>archive.checkpoints no longer holds what the checkpoint files say, or its chain is broken: it was rewritten.</summary>
    CheckpointTableRewritten,

    /// <summary>The log holds fewer events than a checkpoint saw: its tail was removed.</summary>
    LogTruncated,

    /// <summary>The streams' heads as of a checkpoint differ from what it states: a stream was removed, or rewritten with its chain.</summary>
    StreamHeadsDiffer,

    /// <summary>The conflicts as of a checkpoint differ from what it states: a conflict row was edited or removed.</summary>
    ConflictsDiffer,

    /// <summary>The rejections as of a checkpoint differ from what it states: a rejection row was edited or removed.</summary>
    RejectionsDiffer,
}

/// <param name="Position">The position in the stream where the finding is, when it is about one event.</param>
public sealed record VerificationFinding(FindingKind Kind, string? StreamId, long? Position, long? GlobalPosition, string Detail)
{
    public override string ToString() => StreamId is null
        ? $"{Kind}: {Detail}"
        : $"{Kind} at ({StreamId}, {Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}): {Detail}";
}

public sealed record VerificationReport(long EventsChecked, long StreamsChecked, IReadOnlyList<VerificationFinding> Findings)
{
    public bool Intact => Findings.Count == 0;
}

/// <summary>
/// Walks every stream's hash chain in global order, recomputing each event's hash from the bytes stored, and checks the
/// stream heads and the global order for missing events. Reads only; safe to run beside writers.
/// </summary>
public sealed class EventLogVerifier(NpgsqlDataSource dataSource)
{
    public async Task<VerificationReport> VerifyAsync(IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        // One snapshot for the whole walk, so events committed meanwhile cannot look like a broken head.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);

        var findings = new List<VerificationFinding>();
        var heads = await ReadStreamHeadsAsync(connection, cancellationToken);
        var (events, streams) = await WalkChainsAsync(connection, heads, findings, progress, cancellationToken);
        await FindGlobalGapsAsync(connection, findings, cancellationToken);
        return new VerificationReport(events, streams, findings);
    }

    private static async Task<Dictionary<string, (long Count, byte[] HeadHash)>> ReadStreamHeadsAsync(
        NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT stream_id, event_count, head_hash FROM archive.streams", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var heads = new Dictionary<string, (long, byte[])>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
            heads[reader.GetString(0)] = (reader.GetInt64(1), reader.GetFieldValue<byte[]>(2));
        return heads;
    }

    private static async Task<(long Events, long Streams)> WalkChainsAsync(
        NpgsqlConnection connection,
        Dictionary<string, (long Count, byte[] HeadHash)> heads,
        List<VerificationFinding> findings,
        IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {PostgresEventStore.RecordedEventColumns} FROM archive.events ORDER BY stream_id COLLATE \"C\", global_position",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);

        string? stream = null;
        var expectedPrev = EventHash.Genesis.ToArray();
        long inStream = 0, total = 0, streams = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var e = PostgresEventStore.ReadRecordedEvent(reader);
            if (e.StreamId != stream)
            {
                if (stream is not null)
                    CheckHead(stream, inStream, expectedPrev, heads, findings);
                stream = e.StreamId;
                seen.Add(stream);
                streams++;
                inStream = 0;
                expectedPrev = EventHash.Genesis.ToArray();
            }

            var recomputed = EventHash.Compute(
                e.PrevHash.Span, e.GlobalPosition, e.StreamId, e.Position, e.Type, e.ServerTimestamp, e.RecordedAt, e.DedupeKey, e.Body);
            if (!recomputed.AsSpan().SequenceEqual(e.Hash.Span))
            {
                findings.Add(new(FindingKind.ContentChanged, e.StreamId, e.Position, e.GlobalPosition,
                    "the stored event no longer matches its hash: its content was edited after it was recorded"));
            }
            if (!e.PrevHash.Span.SequenceEqual(expectedPrev))
            {
                findings.Add(new(FindingKind.ChainBroken, e.StreamId, e.Position, e.GlobalPosition,
                    inStream == 0
                        ? "the stream's first stored event does not start the chain: events before it were removed"
                        : "its link does not match the event before it: an event was removed, inserted or reordered"));
            }
            expectedPrev = e.Hash.ToArray();
            inStream++;
            total++;
            if (total % 100_000 == 0)
                progress?.Report(total);
        }
        if (stream is not null)
            CheckHead(stream, inStream, expectedPrev, heads, findings);

        foreach (var (missing, head) in heads.Where(h => h.Value.Count > 0 && !seen.Contains(h.Key)))
        {
            findings.Add(new(FindingKind.StreamHeadMismatch, missing, null, null,
                $"the stream records {head.Count} event(s) but none are stored"));
        }
        progress?.Report(total);
        return (total, streams);
    }

    private static void CheckHead(
        string stream, long count, byte[] lastHash, Dictionary<string, (long Count, byte[] HeadHash)> heads, List<VerificationFinding> findings)
    {
        if (!heads.TryGetValue(stream, out var head))
        {
            findings.Add(new(FindingKind.StreamHeadMismatch, stream, null, null, "events are stored for a stream that has no stream row"));
            return;
        }
        if (head.Count != count)
            findings.Add(new(FindingKind.StreamHeadMismatch, stream, null, null, $"the stream records {head.Count} event(s), {count} are stored"));
        if (!head.HeadHash.AsSpan().SequenceEqual(lastHash))
            findings.Add(new(FindingKind.StreamHeadMismatch, stream, null, null, "the stream's head hash is not the hash of its last stored event"));
    }

    private static async Task FindGlobalGapsAsync(NpgsqlConnection connection, List<VerificationFinding> findings, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT previous + 1 AS missing_from, global_position - 1 AS missing_to
            FROM (SELECT global_position, lag(global_position, 1, 0::bigint) OVER (ORDER BY global_position) AS previous
                  FROM archive.events) AS ordered
            WHERE global_position <> previous + 1
            UNION ALL
            SELECT coalesce(max(e.global_position), 0) + 1, h.last_position
            FROM archive.log_head h LEFT JOIN archive.events e ON true
            GROUP BY h.last_position
            HAVING coalesce(max(e.global_position), 0) <> h.last_position
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (from, to) = (reader.GetInt64(0), reader.GetInt64(1));
            findings.Add(new(FindingKind.GlobalPositionGap, null, null, from,
                from <= to
                    ? $"global positions {from}..{to} are missing: events were removed"
                    : $"the log head ({to}) is behind the stored events (up to {from - 1})"));
        }
    }
}
