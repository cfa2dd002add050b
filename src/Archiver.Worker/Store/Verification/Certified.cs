using Archiver.Domain.Hashing;
using Archiver.Domain.Lifecycle;
using Npgsql;

namespace Archiver.Worker.Store.Verification;

/// <summary>An event an erasure redacted: where, under which certificate and request, and the hash its redacted body must have.</summary>
public sealed record Redaction(string StreamId, long Position, long GlobalPosition, long Certificate, string Request, byte[] RedactedHash);

/// <summary>
/// What the certificates account for (docs/compliance.md), read in the verifier's snapshot: the chain of
/// archive.certificates checked link by link, each statement held against the index tables the triggers use, and from
/// them the events disposed of (their skeletons stand in for them) and the events redacted (their redacted hashes).
/// </summary>
public sealed class Certified
{
    public List<CertifiedEvent> Disposed { get; } = [];

    /// <summary>By stream: the disposal certificate that removed it (a disposal removes whole streams).</summary>
    public Dictionary<string, long> DisposedStreams { get; } = new(StringComparer.Ordinal);

    /// <summary>By global position: the latest redaction of each event still in the log.</summary>
    public Dictionary<long, Redaction> Redacted { get; } = [];

    /// <summary>By table and row id: each certificate that removed or redacted the row, in order, with the row's hash before it.</summary>
    public Dictionary<(string Table, long Id), List<(long Certificate, string Action, byte[] Hash)>> Rows { get; } = [];

    public long Certificates { get; private set; }

    public long Disposals { get; private set; }

    public long Erasures { get; private set; }

    public static async Task<Certified> ReadAsync(NpgsqlConnection connection, List<VerificationFinding> findings, CancellationToken cancellationToken)
    {
        var certified = new Certified();
        var statements = new List<(long Number, string Kind, CertificateStatement? Statement)>();
        await using (var command = new NpgsqlCommand(
            "SELECT certificate_id, kind, statement, prev_hash, hash FROM archive.certificates ORDER BY certificate_id", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            var previous = new byte[EventHash.Size];
            long expected = 1;
            while (await reader.ReadAsync(cancellationToken))
            {
                var (number, kind, text) = (reader.GetInt64(0), reader.GetString(1), reader.GetString(2));
                var (prev, hash) = (reader.GetFieldValue<byte[]>(3), reader.GetFieldValue<byte[]>(4));
                if (number != expected || !prev.AsSpan().SequenceEqual(previous) || !hash.AsSpan().SequenceEqual(CertificateStatement.HashOf(prev, text)))
                {
                    findings.Add(new(FindingKind.CertificateChainBroken, null, null, null,
                        $"certificate {number} does not chain from the one before it: archive.certificates was rewritten"));
                }
                var statement = CertificateStatement.Parse(text);
                if (statement is null || statement.Number != number || statement.Kind != kind || !statement.Previous.AsSpan().SequenceEqual(prev))
                {
                    findings.Add(new(FindingKind.CertificateMismatch, null, null, null, $"certificate {number}: its statement is not one, or not its own"));
                    statement = null;
                }
                statements.Add((number, kind, statement));
                previous = hash;
                expected = number + 1;
            }
        }
        certified.Certificates = statements.Count;

        var indexedEvents = new HashSet<(long, long, string)>();
        await using (var command = new NpgsqlCommand("SELECT certificate_id, global_position, action FROM archive.certified_events", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                indexedEvents.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
        }
        var indexedRows = new HashSet<(long, string, long, string)>();
        await using (var command = new NpgsqlCommand("SELECT certificate_id, table_name, row_id, action FROM archive.certified_rows", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                indexedRows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
        }

        var statedEvents = new HashSet<(long, long, string)>();
        var statedRows = new HashSet<(long, string, long, string)>();
        foreach (var (number, kind, statement) in statements)
        {
            if (statement is null)
                continue;
            var action = kind == CertificateStatement.Disposal ? "disposed" : "redacted";
            if (action == "disposed")
                certified.Disposals++;
            else
                certified.Erasures++;
            foreach (var e in statement.Events)
            {
                statedEvents.Add((number, e.GlobalPosition, action));
                if (action == "disposed")
                {
                    certified.Disposed.Add(e);
                    certified.DisposedStreams[e.StreamId] = number;
                    certified.Redacted.Remove(e.GlobalPosition);
                }
                else if (e.RedactedHash is { } redacted)
                {
                    certified.Redacted[e.GlobalPosition] = new Redaction(e.StreamId, e.Position, e.GlobalPosition, number,
                        statement.Basis.GetValueOrDefault("request", "?"), redacted);
                }
            }
            foreach (var r in statement.Rows)
            {
                statedRows.Add((number, r.Table, r.RowId, action));
                if (!certified.Rows.TryGetValue((r.Table, r.RowId), out var list))
                    certified.Rows[(r.Table, r.RowId)] = list = [];
                list.Add((number, action, r.RowHash));
            }
        }
        if (!statedEvents.SetEquals(indexedEvents) || !statedRows.SetEquals(indexedRows))
        {
            findings.Add(new(FindingKind.CertificateMismatch, null, null, null,
                "archive.certified_events or archive.certified_rows no longer list exactly what the certificates state: they were rewritten"));
        }
        return certified;
    }
}
