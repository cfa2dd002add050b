using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Archiver.Domain.Hashing;
using Archiver.Worker.Store.Verification;
using Npgsql;
using Head = Archiver.Domain.Hashing.StreamHead;

namespace Archiver.Worker.Store.Checkpoints;

/// <summary>
/// <c>archiver verify --checkpoints DIR --public-key FILE</c> (docs/event-store.md): the database against every
/// checkpoint file. Each file's signature is checked with the public key; the table's rows must be the files and chain
/// correctly; then, in one pass over the log in global order, the stream heads as of each checkpoint's log position give
/// the Merkle root it states, the log holds at least what it saw, and the conflicts and rejections digested up to its
/// ids give its digests. Reads only, in one snapshot.
/// </summary>
public sealed class CheckpointVerifier(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<VerificationFinding>> VerifyAsync(string directory, string publicKeyFile, CancellationToken cancellationToken)
    {
        using var key = CheckpointKey.LoadPublic(publicKeyFile, "--public-key");
        var findings = new List<VerificationFinding>();
        var files = ReadFiles(directory, key, findings);
        if (files.Count == 0)
            throw new InvalidOperationException($"--checkpoints: {directory} holds no readable checkpoint file (checkpoint-*.json).");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await CheckTableAsync(connection, transaction, files, findings, cancellationToken);
        // What the lifecycle certificates removed or redacted stands in for it, for the checkpoints taken before (their
        // own findings are plain verify's).
        var certified = await Certified.ReadAsync(connection, [], cancellationToken);
        var ordered = files.Values.OrderBy(f => f.Payload.GlobalPosition).ThenBy(f => f.Payload.Number).ToList();
        await CheckLogAsync(connection, transaction, ordered, certified, findings, cancellationToken);
        await CheckTableDigestsAsync(connection, ordered, certified, findings, cancellationToken);
        return findings;
    }

    private sealed record Anchor(string File, SignedCheckpoint Signed, CheckpointPayload Payload);

    /// <summary>The files whose signatures verify, by number; the others are findings.</summary>
    private static Dictionary<long, Anchor> ReadFiles(string directory, ECDsa key, List<VerificationFinding> findings)
    {
        if (!Directory.Exists(directory))
            throw new InvalidOperationException($"--checkpoints: {directory} is not a directory.");
        var anchors = new Dictionary<long, Anchor>();
        foreach (var path in Directory.EnumerateFiles(directory, "checkpoint-*.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            CheckpointFile? file = null;
            try
            {
                file = JsonSerializer.Deserialize(File.ReadAllText(path), CheckpointFileJson.Default.CheckpointFile);
            }
            catch (JsonException)
            {
                // Reported below as a file that does not verify.
            }
            byte[]? signature = null;
            try
            {
                signature = file is null ? null : Convert.FromBase64String(file.Signature);
            }
            catch (FormatException)
            {
                // The same.
            }
            var payload = file is null ? null : CheckpointPayload.Parse(file.Payload);
            if (file is null || signature is null || payload is null || !CheckpointKey.Verify(key, Encoding.UTF8.GetBytes(file.Payload), signature))
            {
                findings.Add(new(FindingKind.CheckpointSignatureInvalid, null, null, null,
                    $"checkpoint file {name}: its signature does not verify with the public key (altered, forged, or signed by another key)"));
                continue;
            }
            anchors[payload.Number] = new Anchor(name, new SignedCheckpoint(payload.Number, file.Payload, signature, file.KeyId, payload.Previous,
                SignedCheckpoint.HashOf(payload.Previous, file.Payload, signature)), payload);
        }
        return anchors;
    }

    /// <summary>The table's rows chain from the first to the last, and every file's checkpoint is there, unchanged.</summary>
    private static async Task CheckTableAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Dictionary<long, Anchor> files, List<VerificationFinding> findings, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<long, SignedCheckpoint>();
        await using (var command = new NpgsqlCommand(
            "SELECT checkpoint_id, payload, signature, key_id, prev_hash, hash FROM archive.checkpoints ORDER BY checkpoint_id", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            var previous = new byte[EventHash.Size];
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = new SignedCheckpoint(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetString(3),
                    reader.GetFieldValue<byte[]>(4), reader.GetFieldValue<byte[]>(5));
                if (!row.PreviousHash.AsSpan().SequenceEqual(previous) || !row.Hash.AsSpan().SequenceEqual(SignedCheckpoint.HashOf(row.PreviousHash, row.Payload, row.Signature)))
                {
                    findings.Add(new(FindingKind.CheckpointTableRewritten, null, null, null,
                        $"archive.checkpoints row {row.Number} does not chain from the row before it: the table was rewritten"));
                }
                previous = row.Hash;
                rows[row.Number] = row;
            }
        }
        foreach (var (number, anchor) in files.OrderBy(f => f.Key))
        {
            if (!rows.TryGetValue(number, out var row))
                findings.Add(new(FindingKind.CheckpointTableRewritten, null, null, null, $"checkpoint {number} ({anchor.File}) is missing from archive.checkpoints"));
            else if (row.Payload != anchor.Signed.Payload || !row.Signature.AsSpan().SequenceEqual(anchor.Signed.Signature))
                findings.Add(new(FindingKind.CheckpointTableRewritten, null, null, null, $"archive.checkpoints row {number} differs from {anchor.File}"));
        }
    }

    /// <summary>
    /// One pass over the log in global order — the stored events merged with those disposals removed, known by their
    /// certificates — giving each stream's head and the count of events as of each checkpoint's position. A stream a
    /// disposal removed counts for the checkpoints taken before that disposal, not for those after it.
    /// </summary>
    private static async Task CheckLogAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<Anchor> ordered, Certified certified, List<VerificationFinding> findings,
        CancellationToken cancellationToken)
    {
        long end;
        await using (var max = new NpgsqlCommand("SELECT coalesce(max(global_position), 0) FROM archive.events", connection, transaction))
            end = (long)(await max.ExecuteScalarAsync(cancellationToken))!;
        // The log's end as far as it is accounted for: stored, or removed under a disposal certificate.
        var accounted = Math.Max(end, certified.Disposed.Count == 0 ? 0 : certified.Disposed.Max(x => x.GlobalPosition));
        var heads = new Dictionary<string, (long Position, byte[] Hash, long Events)>(StringComparer.Ordinal);
        var next = 0;
        void Reach(long position)
        {
            while (next < ordered.Count && ordered[next].Payload.GlobalPosition <= position)
                Compare(ordered[next++], heads, certified, end, accounted, findings);
        }
        void Add(long globalPosition, string stream, long position, byte[] hash)
        {
            Reach(globalPosition - 1);
            heads[stream] = heads.TryGetValue(stream, out var head)
                ? (Math.Max(head.Position, position), hash, head.Events + 1)
                : (position, hash, 1);
        }

        var until = ordered[^1].Payload.GlobalPosition;
        var disposed = certified.Disposed.Where(d => d.GlobalPosition <= until).OrderBy(d => d.GlobalPosition).ToList();
        var d = 0;
        await using (var command = new NpgsqlCommand(
            "SELECT global_position, stream_id, position, hash FROM archive.events WHERE global_position <= $1 ORDER BY global_position", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = until });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var globalPosition = reader.GetInt64(0);
                for (; d < disposed.Count && disposed[d].GlobalPosition < globalPosition; d++)
                    Add(disposed[d].GlobalPosition, disposed[d].StreamId, disposed[d].Position, disposed[d].Hash);
                Add(globalPosition, reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<byte[]>(3));
            }
        }
        for (; d < disposed.Count; d++)
            Add(disposed[d].GlobalPosition, disposed[d].StreamId, disposed[d].Position, disposed[d].Hash);
        Reach(long.MaxValue);
    }

    /// <param name="end">The highest global position the log holds now.</param>
    /// <param name="accounted">The highest it holds or accounts for by a disposal.</param>
    private static void Compare(
        Anchor anchor, Dictionary<string, (long Position, byte[] Hash, long Events)> heads, Certified certified, long end, long accounted,
        List<VerificationFinding> findings)
    {
        var p = anchor.Payload;
        var name = $"checkpoint {p.Number} ({anchor.File})";
        // The streams as the checkpoint saw them: without those a disposal had removed before it was taken.
        var seen = heads.Where(h => !certified.DisposedStreams.TryGetValue(h.Key, out var by) || by > p.LastCertificateId).ToList();
        var events = seen.Sum(h => h.Value.Events);
        if (accounted < p.GlobalPosition)
        {
            findings.Add(new(FindingKind.LogTruncated, null, null, end,
                $"{name} saw {p.Events} event(s) up to global position {p.GlobalPosition}; the log now ends at {end} with {events}: its tail was removed"));
            return;
        }
        var root = StreamHeadsRoot.Compute(seen.Select(h => new Head(h.Key, h.Value.Position, h.Value.Hash)));
        if (seen.Count != p.Streams || !root.AsSpan().SequenceEqual(p.StreamsRoot) || events != p.Events)
        {
            findings.Add(new(FindingKind.StreamHeadsDiffer, null, null, p.GlobalPosition,
                $"{name}: the streams as of global position {p.GlobalPosition} are not what it states ({seen.Count} stream(s) and {events} event(s) now, " +
                $"{p.Streams} and {p.Events} then; Merkle root {Convert.ToHexStringLower(root)[..16]}…, then {Convert.ToHexStringLower(p.StreamsRoot)[..16]}…): " +
                "events or a whole stream were removed, or events were rewritten with their chain"));
        }
    }

    private static async Task CheckTableDigestsAsync(
        NpgsqlConnection connection, List<Anchor> ordered, Certified certified, List<VerificationFinding> findings, CancellationToken cancellationToken)
    {
        await CheckDigestAsync(ArchiveTables.ConflictsAsync(connection, 0, cancellationToken), "conflicts", certified, ordered,
            p => (p.LastConflictId, p.Conflicts, p.ConflictsDigest), FindingKind.ConflictsDiffer, "conflict", findings);
        await CheckDigestAsync(ArchiveTables.RejectionsAsync(connection, 0, cancellationToken), "rejections", certified, ordered,
            p => (p.LastRejectionId, p.Rejections, p.RejectionsDigest), FindingKind.RejectionsDiffer, "rejection", findings);
        await CheckDigestAsync(ArchiveTables.CertificatesAsync(connection, 0, cancellationToken), "certificates", certified, ordered,
            p => (p.LastCertificateId, p.Certificates, p.CertificatesDigest ?? new byte[EventHash.Size]), FindingKind.CertificatesDiffer, "certificate", findings);
        await CheckDigestAsync(ArchiveTables.AccessAuditAsync(connection, 0, cancellationToken), "access_audit", certified, ordered,
            p => (p.LastAccessAuditId, p.AccessAudit, p.AccessAuditDigest ?? new byte[EventHash.Size]), FindingKind.AccessAuditDiffers, "access audit row", findings);
    }

    /// <summary>
    /// A table's digest as each checkpoint states it. Each row entered the digest once, as the first checkpoint whose
    /// last id reached it saw it: a row a certificate issued after that checkpoint removed or redacted counts with the hash
    /// it had before (the certificate keeps it); one removed before that checkpoint never entered it.
    /// </summary>
    private static async Task CheckDigestAsync(
        IAsyncEnumerable<(long Id, object?[] Fields)> rows, string table, Certified certified, List<Anchor> anchors,
        Func<CheckpointPayload, (long LastId, long Count, byte[] Digest)> stated, FindingKind kind, string what, List<VerificationFinding> findings)
    {
        var current = new SortedDictionary<long, byte[]>();
        await foreach (var (id, fields) in rows)
            current[id] = RowDigest.HashOf(fields);
        var ids = new SortedSet<long>(current.Keys);
        foreach (var ((t, id), _) in certified.Rows)
        {
            if (t == table)
                ids.Add(id);
        }

        var byLastId = anchors.OrderBy(a => stated(a.Payload).LastId).ThenBy(a => a.Payload.Number).ToList();
        var digest = new RowDigest();
        var next = 0;
        void Reach(long id)
        {
            while (next < byLastId.Count && stated(byLastId[next].Payload).LastId <= id)
            {
                var anchor = byLastId[next++];
                var (lastId, count, expected) = stated(anchor.Payload);
                if (digest.Rows != count || !digest.Value.AsSpan().SequenceEqual(expected))
                {
                    findings.Add(new(kind, null, null, null,
                        $"checkpoint {anchor.Payload.Number} ({anchor.File}): the {what}s up to id {lastId} are not what it states " +
                        $"({digest.Rows} row(s) now, {count} then): a {what} row was edited or removed"));
                }
            }
        }
        foreach (var id in ids)
        {
            Reach(id - 1);
            // The first checkpoint to reach this row is the one that digested it.
            var first = byLastId.Skip(next).FirstOrDefault();
            if (first is null)
                break;
            var after = certified.Rows.TryGetValue((table, id), out var changes)
                ? changes.Where(c => c.Certificate > first.Payload.LastCertificateId).OrderBy(c => c.Certificate).FirstOrDefault()
                : default;
            if (after.Hash is { } before)
                digest.AddHash(before);
            else if (current.TryGetValue(id, out var hash))
                digest.AddHash(hash);
        }
        Reach(long.MaxValue);
    }
}
