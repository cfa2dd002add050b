using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Archiver.Worker.Store.Checkpoints;

namespace Archiver.Worker.ReadSide;

/// <summary>
/// <c>archiver export verify DIR --public-key FILE</c>: a received export checked offline, with no database — the
/// manifest's signature, the checkpoint it names, every file's size and SHA-256, no file missing or added, and the
/// completeness the manifest claims (as many conversations and messages in the files as it says, and the same ones).
/// Returns what is wrong, one line each; nothing when the export proves itself.
/// </summary>
internal static class ExportVerifier
{
    public static List<string> Verify(string directory, string publicKeyFile)
    {
        using var key = CheckpointKey.LoadPublic(publicKeyFile, "--public-key");
        var problems = new List<string>();
        var manifestPath = Path.Combine(directory, ExportManifest.FileName);
        var signaturePath = Path.Combine(directory, ExportManifest.SignatureFileName);
        if (!File.Exists(manifestPath))
            return [$"{ExportManifest.FileName} is missing: the export is incomplete (the manifest is written last)"];
        if (!File.Exists(signaturePath))
            return [$"{ExportManifest.SignatureFileName} is missing: the export is not signed"];
        var manifestBytes = File.ReadAllBytes(manifestPath);
        if (!CheckpointKey.Verify(key, manifestBytes, File.ReadAllBytes(signaturePath)))
            return [$"{ExportManifest.FileName}: its signature ({ExportManifest.SignatureFileName}) does not verify with the public key (either was altered, or another key signed it)"];

        ExportManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ExportManifest>(manifestBytes, ConversationDocument.Json);
        }
        catch (JsonException e)
        {
            return [$"{ExportManifest.FileName} is not a manifest ({e.Message})"];
        }
        if (manifest is null)
            return [$"{ExportManifest.FileName} is empty"];

        if (manifest.Checkpoint is not { } checkpoint)
            problems.Add("the manifest names no checkpoint");
        else if (!CheckpointKey.Verify(key, Encoding.UTF8.GetBytes(checkpoint.Payload), Convert.FromBase64String(checkpoint.Signature)))
            problems.Add($"the manifest's checkpoint {checkpoint.Checkpoint}: its signature does not verify with the public key");

        foreach (var file in manifest.Files)
        {
            var path = Path.Combine(directory, file.Name);
            if (!File.Exists(path))
            {
                problems.Add($"{file.Name} is missing");
                continue;
            }
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length != file.Bytes)
                problems.Add($"{file.Name} has {bytes.Length} bytes, the manifest says {file.Bytes}");
            else if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != file.Sha256)
                problems.Add($"{file.Name} does not match its SHA-256 in the manifest: it was changed");
        }
        var listed = manifest.Files.Select(f => f.Name).Append(ExportManifest.FileName).Append(ExportManifest.SignatureFileName).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in Directory.EnumerateFiles(directory).Select(Path.GetFileName).OfType<string>().Where(n => !listed.Contains(n)))
            problems.Add($"{extra} is not in the manifest");

        if (problems.Count == 0)
            problems.AddRange(Completeness(directory, manifest));
        return problems;
    }

    /// <summary>What the files hold against what the manifest claims (run once every file is known unchanged).</summary>
    private static IEnumerable<string> Completeness(string directory, ExportManifest manifest)
    {
        var claimed = manifest.ConversationStreams?.Select(c => c.ConversationId).ToList() ?? [];
        if (claimed.Count != manifest.Conversations)
            yield return $"the manifest claims {manifest.Conversations} conversation(s) but lists the streams of {claimed.Count}";
        if (manifest.Format == "jsonl")
        {
            var ids = new List<string>();
            long messages = 0;
            foreach (var line in File.ReadLines(Path.Combine(directory, "conversations.jsonl")).Where(l => l.Length > 0))
            {
                using var document = JsonDocument.Parse(line);
                ids.Add(document.RootElement.GetProperty("conversationId").GetString()!);
                messages += document.RootElement.GetProperty("messages").GetArrayLength();
            }
            if (ids.Count != manifest.Conversations || messages != manifest.Messages)
                yield return $"conversations.jsonl holds {ids.Count} conversation(s) and {messages} message(s); the manifest claims {manifest.Conversations} and {manifest.Messages}";
            if (!ids.Order(StringComparer.Ordinal).SequenceEqual(claimed.Order(StringComparer.Ordinal)))
                yield return "conversations.jsonl does not hold the conversations the manifest lists";
        }
        else if (manifest.Format == "html")
        {
            var sections = CountOf(File.ReadAllText(Path.Combine(directory, "transcripts.html")), "<section class=\"conversation\"");
            if (sections != manifest.Conversations)
                yield return $"transcripts.html holds {sections} conversation(s); the manifest claims {manifest.Conversations}";
        }
        else if (manifest.Format == "csv")
        {
            var conversations = Rfc4180Records(File.ReadAllText(Path.Combine(directory, "conversations.csv"))) - 1;
            var messages = Rfc4180Records(File.ReadAllText(Path.Combine(directory, "messages.csv"))) - 1;
            if (conversations != manifest.Conversations || messages != manifest.Messages)
                yield return $"the CSV files hold {conversations} conversation(s) and {messages} message(s); the manifest claims {manifest.Conversations} and {manifest.Messages}";
        }
    }

    private static int CountOf(string text, string marker)
    {
        var count = 0;
        for (var i = text.IndexOf(marker, StringComparison.Ordinal); i >= 0; i = text.IndexOf(marker, i + marker.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    /// <summary>Records in RFC 4180 text: CRLF ends a record outside quotes.</summary>
    private static long Rfc4180Records(string text)
    {
        long records = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '"')
                quoted = !quoted;
            else if (!quoted && text[i] == '\n')
                records++;
        }
        return records;
    }
}
