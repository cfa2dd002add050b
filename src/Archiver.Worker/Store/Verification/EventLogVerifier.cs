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

    /// <summary>archive.certificates does not chain from row to row: a certificate was changed, added or removed.</summary>
    CertificateChainBroken,

    /// <summary>What a certificate states does not hold in the archive (an event it disposed of is still there, one it redacted holds its original).</summary>
    CertificateMismatch,

    /// <summary>The certificates as of a checkpoint differ from what it states.</summary>
    CertificatesDiffer,

    /// <summary>archive.access_audit does not chain from row to row: a record of who saw what was changed, added or removed.</summary>
    AccessAuditChainBroken,

    /// <summary>The access audit as of a checkpoint differs from what it states.</summary>
    AccessAuditDiffers,
}

/// <param name="Position">The position in the stream where the finding is, when it is about one event.</param>
public sealed record VerificationFinding(FindingKind Kind, string? StreamId, long? Position, long? GlobalPosition, string Detail)
{
    public override string ToString() => StreamId is null
        ? $"{Kind}: {Detail}"
        : $"{Kind} at ({StreamId}, {Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}): {Detail}";
}

/// <param name="Redactions">The events erasures redacted, each as its certificate states: not findings.</param>
/// <param name="Disposed">How many events disposals removed under certificates: not findings either.</param>
public sealed record VerificationReport(
    long EventsChecked, long StreamsChecked, IReadOnlyList<VerificationFinding> Findings, IReadOnlyList<Redaction> Redactions, long Disposed, long Certificates)
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
        var certified = await Certified.ReadAsync(connection, findings, cancellationToken);
        await AccessAuditChain.CheckAsync(connection, findings, cancellationToken);
        var heads = await ReadStreamHeadsAsync(connection, cancellationToken);
        var redactions = new List<Redaction>();
        var (events, streams) = await WalkChainsAsync(connection, heads, certified, findings, redactions, progress, cancellationToken);
        await FindGlobalGapsAsync(connection, certified, findings, cancellationToken);
        return new VerificationReport(events, streams, findings, redactions, certified.Disposed.Count, certified.Certificates);
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
        Certified certified,
        List<VerificationFinding> findings,
        List<Redaction> redactions,
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
            if (certified.Redacted.TryGetValue(e.GlobalPosition, out var redaction))
            {
                // An erased event keeps its chain hash; its body must be exactly what the certificate says it was redacted to.
                if (recomputed.AsSpan().SequenceEqual(redaction.RedactedHash))
                {
                    redactions.Add(redaction);
                }
                else if (recomputed.AsSpan().SequenceEqual(e.Hash.Span))
                {
                    findings.Add(new(FindingKind.CertificateMismatch, e.StreamId, e.Position, e.GlobalPosition,
                        $"certificate {redaction.Certificate} redacted it under {redaction.Request}, but it holds its original content again"));
                }
                else
                {
                    findings.Add(new(FindingKind.ContentChanged, e.StreamId, e.Position, e.GlobalPosition,
                        $"redacted under {redaction.Request} (certificate {redaction.Certificate}) and edited since: it matches neither its hash nor its redaction"));
                }
            }
            else if (!recomputed.AsSpan().SequenceEqual(e.Hash.Span))
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

    /// <summary>
    /// Every global position up to the log head is an event, or an event a disposal certificate removed; an event both
    /// stored and certified as removed is a certificate that does not hold.
    /// </summary>
    private static async Task FindGlobalGapsAsync(NpgsqlConnection connection, Certified certified, List<VerificationFinding> findings, CancellationToken cancellationToken)
    {
        var disposed = certified.Disposed.Select(d => d.GlobalPosition).ToArray();
        await using (var stillThere = new NpgsqlCommand(
            "SELECT global_position, stream_id, position FROM archive.events WHERE global_position = ANY($1) ORDER BY global_position", connection))
        {
            stillThere.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = disposed });
            await using var present = await stillThere.ExecuteReaderAsync(cancellationToken);
            while (await present.ReadAsync(cancellationToken))
            {
                findings.Add(new(FindingKind.CertificateMismatch, present.GetString(1), present.GetInt64(2), present.GetInt64(0),
                    "a disposal certificate states it was removed, but it is still stored"));
            }
        }
        await using var command = new NpgsqlCommand(
            """
            WITH accounted AS (SELECT global_position FROM archive.events UNION SELECT unnest($1::bigint[]))
            SELECT previous + 1 AS missing_from, global_position - 1 AS missing_to
            FROM (SELECT global_position, lag(global_position, 1, 0::bigint) OVER (ORDER BY global_position) AS previous
                  FROM accounted) AS ordered
            WHERE global_position <> previous + 1
            UNION ALL
            SELECT coalesce(max(a.global_position), 0) + 1, h.last_position
            FROM archive.log_head h LEFT JOIN accounted a ON true
            GROUP BY h.last_position
            HAVING coalesce(max(a.global_position), 0) <> h.last_position
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = disposed });
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
