using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Archiver.Domain.Lifecycle;

/// <summary>A stream a certificate names: its event count, last position and head hash when the operation began.</summary>
public sealed record CertifiedStream(string StreamId, long Events, long Position, byte[] HeadHash);

/// <summary>
/// An event a certificate names: where it was and its chain hash, which lets verify and the checkpoints replay the
/// stream's heads without it; for a redaction also the hash of the event as redacted.
/// </summary>
public sealed record CertifiedEvent(long GlobalPosition, string StreamId, long Position, byte[] Hash, byte[]? RedactedHash = null);

/// <summary>A conflicts or rejections row a certificate removed or redacted, with the row's hash before (RowDigest's).</summary>
public sealed record CertifiedRow(string Table, long RowId, byte[] RowHash);

/// <summary>
/// What a disposal or erasure certificate states (docs/compliance.md): which conversation, why (<see cref="Basis"/>: the
/// retention rule, or the erasure request), by which login and when, the streams as they were, every event and every
/// conflicts or rejections row it removed or redacted, and how many read-model rows of each table went or changed.
/// Its canonical JSON (this order, no whitespace, UTF-8) is what is hashed into the certificates' chain.
/// </summary>
public sealed record CertificateStatement(
    long Number,
    string Kind,
    string ConversationId,
    IReadOnlyDictionary<string, string> Basis,
    string By,
    DateTimeOffset At,
    IReadOnlyList<CertifiedStream> Streams,
    IReadOnlyList<CertifiedEvent> Events,
    IReadOnlyList<CertifiedRow> Rows,
    IReadOnlyDictionary<string, long> ReadModelRows,
    byte[] Previous)
{
    public const string Format = "archiver.certificate.v1";
    public const string Disposal = "disposal";
    public const string Erasure = "erasure";

    public string ToCanonicalJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("certificate", Number);
            w.WriteString("kind", Kind);
            w.WriteString("conversationId", ConversationId);
            w.WriteStartObject("basis");
            foreach (var (key, value) in Basis.OrderBy(b => b.Key, StringComparer.Ordinal))
                w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteString("by", By);
            w.WriteString("at", At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            w.WriteStartArray("streams");
            foreach (var s in Streams.OrderBy(s => s.StreamId, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("streamId", s.StreamId);
                w.WriteNumber("events", s.Events);
                w.WriteNumber("position", s.Position);
                w.WriteString("headHash", Convert.ToHexStringLower(s.HeadHash));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("events");
            foreach (var e in Events.OrderBy(e => e.GlobalPosition))
            {
                w.WriteStartObject();
                w.WriteNumber("globalPosition", e.GlobalPosition);
                w.WriteString("streamId", e.StreamId);
                w.WriteNumber("position", e.Position);
                w.WriteString("hash", Convert.ToHexStringLower(e.Hash));
                if (e.RedactedHash is { } redacted)
                    w.WriteString("redactedHash", Convert.ToHexStringLower(redacted));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("rows");
            foreach (var r in Rows.OrderBy(r => r.Table, StringComparer.Ordinal).ThenBy(r => r.RowId))
            {
                w.WriteStartObject();
                w.WriteString("table", r.Table);
                w.WriteNumber("id", r.RowId);
                w.WriteString("hash", Convert.ToHexStringLower(r.RowHash));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("readModelRows");
            foreach (var (table, count) in ReadModelRows.OrderBy(r => r.Key, StringComparer.Ordinal))
                w.WriteNumber(table, count);
            w.WriteEndObject();
            w.WriteString("previous", Convert.ToHexStringLower(Previous));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>hash = SHA-256(previous ‖ statement's UTF-8 bytes): the certificates' chain.</summary>
    public static byte[] HashOf(ReadOnlySpan<byte> previous, string statement)
    {
        var text = Encoding.UTF8.GetBytes(statement);
        var buffer = new byte[previous.Length + text.Length];
        previous.CopyTo(buffer);
        text.CopyTo(buffer, previous.Length);
        return SHA256.HashData(buffer);
    }

    /// <summary>Reads a statement back; null when the text is not one (verify names the certificate).</summary>
    public static CertificateStatement? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var r = document.RootElement;
            if (r.GetProperty("format").GetString() != Format)
                return null;
            return new CertificateStatement(
                r.GetProperty("certificate").GetInt64(),
                r.GetProperty("kind").GetString()!,
                r.GetProperty("conversationId").GetString()!,
                r.GetProperty("basis").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal),
                r.GetProperty("by").GetString()!,
                DateTimeOffset.Parse(r.GetProperty("at").GetString()!, CultureInfo.InvariantCulture),
                r.GetProperty("streams").EnumerateArray().Select(s => new CertifiedStream(
                    s.GetProperty("streamId").GetString()!, s.GetProperty("events").GetInt64(), s.GetProperty("position").GetInt64(),
                    Convert.FromHexString(s.GetProperty("headHash").GetString()!))).ToList(),
                r.GetProperty("events").EnumerateArray().Select(e => new CertifiedEvent(
                    e.GetProperty("globalPosition").GetInt64(), e.GetProperty("streamId").GetString()!, e.GetProperty("position").GetInt64(),
                    Convert.FromHexString(e.GetProperty("hash").GetString()!),
                    e.TryGetProperty("redactedHash", out var redacted) ? Convert.FromHexString(redacted.GetString()!) : null)).ToList(),
                r.GetProperty("rows").EnumerateArray().Select(x => new CertifiedRow(
                    x.GetProperty("table").GetString()!, x.GetProperty("id").GetInt64(), Convert.FromHexString(x.GetProperty("hash").GetString()!))).ToList(),
                r.GetProperty("readModelRows").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal),
                Convert.FromHexString(r.GetProperty("previous").GetString()!));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}
