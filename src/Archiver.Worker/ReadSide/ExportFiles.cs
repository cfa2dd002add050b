using System.Globalization;
using System.Security.Cryptography;

namespace Archiver.Worker.ReadSide;

/// <summary>Files of an export: created new (never over an existing one), and described for the manifest.</summary>
internal static class ExportFiles
{
    public static FileStream Create(string directory, string name) =>
        new(Path.Combine(directory, name), new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            BufferSize = 1 << 16,
        });

    /// <summary>Size and SHA-256 of the bytes on disk, read back after the file was closed.</summary>
    public static async Task<ManifestFile> DescribeAsync(string directory, string name, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(Path.Combine(directory, name), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var hash = await SHA256.HashDataAsync(file, cancellationToken);
        return new ManifestFile(name, file.Length, Convert.ToHexStringLower(hash));
    }

    /// <summary>ISO-8601 UTC with a Z, to the microsecond PostgreSQL keeps, trailing zeros trimmed (as System.Text.Json writes).</summary>
    public static string Iso(DateTime? value) =>
        value is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture) : "";
}

/// <summary>
/// <c>manifest.json</c>: what an export holds, so a recipient can check it is complete and unchanged. A signed export
/// (made with the checkpoint key) also names the checkpoint it was made against — taken for the very snapshot the
/// export read — and each exported conversation's streams with their heads and event counts, and is signed in
/// <c>manifest.sig</c> (docs/analytics.md, "Exports that prove themselves").
/// </summary>
/// <param name="From">With <paramref name="To"/>, the window of start times exported; both null for a selection (<see cref="Selection"/>).</param>
internal sealed record ExportManifest(
    string Format, DateTime? From, DateTime? To, DateTime CreatedAt, long Conversations, long Messages, IReadOnlyList<ManifestFile> Files)
{
    /// <summary>The conversations asked for, when the export is a selection (the console's) rather than a window.</summary>
    public IReadOnlyList<string>? Selection { get; init; }

    public const string FileName = "manifest.json";

    /// <summary>The DER ECDSA signature over manifest.json's exact bytes: <c>openssl dgst -sha256 -verify pub.pem -signature manifest.sig manifest.json</c>.</summary>
    public const string SignatureFileName = "manifest.sig";

    public string? KeyId { get; init; }

    public Store.Checkpoints.CheckpointFile? Checkpoint { get; init; }

    public IReadOnlyList<ManifestConversation>? ConversationStreams { get; init; }
}

internal sealed record ManifestFile(string Name, long Bytes, string Sha256);

/// <summary>An exported conversation's streams (its metadata stream and its dialogs') as of the export's checkpoint.</summary>
internal sealed record ManifestConversation(string ConversationId, IReadOnlyList<ManifestStream> Streams);

internal sealed record ManifestStream(string StreamId, long Events, long Position, string HeadHash);
