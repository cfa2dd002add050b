using System.Globalization;
using System.Security.Cryptography;

namespace Archiver.Worker.Cli.Export;

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

/// <summary><c>manifest.json</c>: what an export holds, so a recipient can check it is complete and unchanged.</summary>
internal sealed record ExportManifest(
    string Format, DateTime From, DateTime To, DateTime CreatedAt, long Conversations, long Messages, IReadOnlyList<ManifestFile> Files)
{
    public const string FileName = "manifest.json";
}

internal sealed record ManifestFile(string Name, long Bytes, string Sha256);
