using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Archiver.Worker.Store.Checkpoints;

/// <summary>
/// What a checkpoint states (docs/event-store.md): the log head, the Merkle root over every stream's head, the digests
/// of the conflicts and the rejections, the previous checkpoint's hash, the key and the time. Its canonical JSON (this
/// order, no whitespace, UTF-8) is what is signed and stored.
/// </summary>
public sealed record CheckpointPayload(
    long Number,
    DateTimeOffset CreatedAt,
    long GlobalPosition,
    long Events,
    long Streams,
    byte[] StreamsRoot,
    long Conflicts,
    long LastConflictId,
    byte[] ConflictsDigest,
    long Rejections,
    long LastRejectionId,
    byte[] RejectionsDigest,
    byte[] Previous,
    string KeyId,
    long Certificates = 0,
    long LastCertificateId = 0,
    byte[]? CertificatesDigest = null,
    long AccessAudit = 0,
    long LastAccessAuditId = 0,
    byte[]? AccessAuditDigest = null)
{
    /// <summary>v2 adds the lifecycle certificates' digest (issue 14); v1 files, from before, still verify.</summary>
    public const string Format = "archiver.checkpoint.v2";

    public const string FormatV1 = "archiver.checkpoint.v1";

    public string ToCanonicalJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("checkpoint", Number);
            w.WriteString("createdAt", CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            w.WriteStartObject("logHead");
            w.WriteNumber("globalPosition", GlobalPosition);
            w.WriteNumber("events", Events);
            w.WriteEndObject();
            w.WriteStartObject("streams");
            w.WriteNumber("count", Streams);
            w.WriteString("merkleRoot", Convert.ToHexStringLower(StreamsRoot));
            w.WriteEndObject();
            w.WriteStartObject("conflicts");
            w.WriteNumber("count", Conflicts);
            w.WriteNumber("lastId", LastConflictId);
            w.WriteString("digest", Convert.ToHexStringLower(ConflictsDigest));
            w.WriteEndObject();
            w.WriteStartObject("rejections");
            w.WriteNumber("count", Rejections);
            w.WriteNumber("lastId", LastRejectionId);
            w.WriteString("digest", Convert.ToHexStringLower(RejectionsDigest));
            w.WriteEndObject();
            w.WriteStartObject("certificates");
            w.WriteNumber("count", Certificates);
            w.WriteNumber("lastId", LastCertificateId);
            w.WriteString("digest", Convert.ToHexStringLower(CertificatesDigest ?? new byte[32]));
            w.WriteEndObject();
            w.WriteStartObject("accessAudit");
            w.WriteNumber("count", AccessAudit);
            w.WriteNumber("lastId", LastAccessAuditId);
            w.WriteString("digest", Convert.ToHexStringLower(AccessAuditDigest ?? new byte[32]));
            w.WriteEndObject();
            w.WriteString("previous", Convert.ToHexStringLower(Previous));
            w.WriteString("keyId", KeyId);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads a payload back; null when it is not one (a verifier names the file).</summary>
    public static CheckpointPayload? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var r = document.RootElement;
            var format = r.GetProperty("format").GetString();
            if (format != Format && format != FormatV1)
                return null;
            var certificates = format == Format ? r.GetProperty("certificates") : default;
            var audit = format == Format && r.TryGetProperty("accessAudit", out var a) ? a : default;
            var hasAudit = audit.ValueKind == JsonValueKind.Object;
            var head = r.GetProperty("logHead");
            var streams = r.GetProperty("streams");
            var conflicts = r.GetProperty("conflicts");
            var rejections = r.GetProperty("rejections");
            return new CheckpointPayload(
                r.GetProperty("checkpoint").GetInt64(),
                DateTimeOffset.Parse(r.GetProperty("createdAt").GetString()!, CultureInfo.InvariantCulture),
                head.GetProperty("globalPosition").GetInt64(), head.GetProperty("events").GetInt64(),
                streams.GetProperty("count").GetInt64(), Convert.FromHexString(streams.GetProperty("merkleRoot").GetString()!),
                conflicts.GetProperty("count").GetInt64(), conflicts.GetProperty("lastId").GetInt64(),
                Convert.FromHexString(conflicts.GetProperty("digest").GetString()!),
                rejections.GetProperty("count").GetInt64(), rejections.GetProperty("lastId").GetInt64(),
                Convert.FromHexString(rejections.GetProperty("digest").GetString()!),
                Convert.FromHexString(r.GetProperty("previous").GetString()!), r.GetProperty("keyId").GetString()!,
                format == Format ? certificates.GetProperty("count").GetInt64() : 0,
                format == Format ? certificates.GetProperty("lastId").GetInt64() : 0,
                format == Format ? Convert.FromHexString(certificates.GetProperty("digest").GetString()!) : null,
                hasAudit ? audit.GetProperty("count").GetInt64() : 0,
                hasAudit ? audit.GetProperty("lastId").GetInt64() : 0,
                hasAudit ? Convert.FromHexString(audit.GetProperty("digest").GetString()!) : null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}

/// <summary>A signed checkpoint: the payload's exact text, its signature, and its place in the chain.</summary>
public sealed record SignedCheckpoint(long Number, string Payload, byte[] Signature, string KeyId, byte[] PreviousHash, byte[] Hash)
{
    /// <summary>hash = SHA-256(prev_hash ‖ payload ‖ signature): the table's chain.</summary>
    public static byte[] HashOf(byte[] previous, string payload, byte[] signature)
    {
        var text = Encoding.UTF8.GetBytes(payload);
        var buffer = new byte[previous.Length + text.Length + signature.Length];
        previous.CopyTo(buffer, 0);
        text.CopyTo(buffer, previous.Length);
        signature.CopyTo(buffer, previous.Length + text.Length);
        return System.Security.Cryptography.SHA256.HashData(buffer);
    }

    /// <summary>The file a checkpoint is written as: everything needed to check it, with openssl if need be.</summary>
    public string ToFileJson() => JsonSerializer.Serialize(new CheckpointFile(Number, KeyId, Payload, Convert.ToBase64String(Signature)), FileOptions);

    /// <summary>Indented and without needless escapes, so the payload reads as the JSON it is.</summary>
    private static readonly JsonSerializerOptions FileOptions = new(CheckpointFileJson.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = CheckpointFileJson.Default,
    };

    public static string FileName(long number) => $"checkpoint-{number.ToString("D10", CultureInfo.InvariantCulture)}.json";
}

/// <summary>A checkpoint file: <c>jq -j .payload f &gt; p; jq -r .signature f | base64 -d &gt; s; openssl dgst -sha256 -verify pub.pem -signature s p</c>.</summary>
public sealed record CheckpointFile(long Checkpoint, string KeyId, string Payload, string Signature);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(CheckpointFile))]
internal sealed partial class CheckpointFileJson : System.Text.Json.Serialization.JsonSerializerContext;
