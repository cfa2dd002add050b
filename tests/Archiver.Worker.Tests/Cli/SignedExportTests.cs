using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Archiver.Testing;

namespace Archiver.Worker.Tests.Cli;

/// <summary>
/// Exports that prove themselves (issue 13): <c>archiver export</c> with the checkpoint key, run as a compliance login,
/// names a checkpoint taken for the export's own snapshot and each conversation's streams, and signs the manifest;
/// <c>archiver export verify</c>, with no database, accepts it as made and refuses it with any byte changed or any file
/// removed or added. The signature is also checked here with the BCL directly, as a recipient with openssl would.
/// </summary>
public sealed class SignedExportTests(ComplianceArchive archive) : IClassFixture<ComplianceArchive>, IDisposable
{
    private static readonly string From = ExportCommandTests.From;
    private static readonly string To = ExportCommandTests.To;

    private readonly string _root = Directory.CreateTempSubdirectory("archiver-signed-export-test-").FullName;
    // One key for the class, as one archive has one: each test's checkpoints chain on the previous tests'.
    private static readonly ECDsa Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string PrivateKeyFile => Write("key.pem", Key.ExportPkcs8PrivateKeyPem());

    private string PublicKeyFile => Write("public.pem", Key.ExportSubjectPublicKeyInfoPem());

    private string CheckpointDirectory => Path.Combine(_root, "checkpoints");

    [Theory]
    [InlineData("jsonl", new[] { "conversations.jsonl" })]
    [InlineData("csv", new[] { "conversations.csv", "messages.csv" })]
    [InlineData("html", new[] { "transcripts.html" })]
    public async Task A_compliance_login_signs_the_manifest_which_names_its_checkpoint_and_every_conversations_streams(string format, string[] files)
    {
        var dir = await SignedExportAsync(format);

        Assert.Equal(files.Append("manifest.json").Append("manifest.sig").Order(StringComparer.Ordinal),
            Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var manifestBytes = await File.ReadAllBytesAsync(Path.Combine(dir, "manifest.json"));
        Assert.True(Key.VerifyData(manifestBytes, await File.ReadAllBytesAsync(Path.Combine(dir, "manifest.sig")),
            HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        using var manifest = JsonDocument.Parse(manifestBytes);
        var root = manifest.RootElement;
        var keyId = Convert.ToHexStringLower(SHA256.HashData(Key.ExportSubjectPublicKeyInfo()))[..16];
        Assert.Equal(keyId, root.GetProperty("keyId").GetString());

        // The checkpoint: signed by the same key, the one now last in archive.checkpoints and in the checkpoint directory,
        // and stating the log head the export read.
        var checkpoint = root.GetProperty("checkpoint");
        var payload = checkpoint.GetProperty("payload").GetString()!;
        Assert.True(Key.VerifyData(Encoding.UTF8.GetBytes(payload), Convert.FromBase64String(checkpoint.GetProperty("signature").GetString()!),
            HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var number = checkpoint.GetProperty("checkpoint").GetInt64();
        Assert.Equal(payload, await archive.ScalarAsync<string>($"SELECT payload FROM archive.checkpoints WHERE checkpoint_id = {number}"));
        Assert.Equal(number, await archive.ScalarAsync<long>("SELECT max(checkpoint_id) FROM archive.checkpoints"));
        Assert.True(File.Exists(Path.Combine(CheckpointDirectory, $"checkpoint-{number:D10}.json")));
        using var stated = JsonDocument.Parse(payload);
        Assert.Equal(await archive.ScalarAsync<long>("SELECT last_position FROM archive.log_head"), stated.RootElement.GetProperty("logHead").GetProperty("globalPosition").GetInt64());

        // Each exported conversation's streams: exactly the streams its changes were appended to, with their heads.
        var listed = root.GetProperty("conversationStreams").EnumerateArray().ToList();
        Assert.Equal(2, root.GetProperty("conversations").GetInt64());
        Assert.Equal(new[] { archive.Alpha.Id, archive.Bravo.Id }.Order(StringComparer.Ordinal),
            listed.Select(c => c.GetProperty("conversationId").GetString()).Order(StringComparer.Ordinal));
        foreach (var conversation in new[] { archive.Alpha, archive.Bravo })
        {
            var streams = listed.Single(c => c.GetProperty("conversationId").GetString() == conversation.Id).GetProperty("streams").EnumerateArray().ToList();
            var appended = conversation.Steps.SelectMany(s => s).Select(e => e.StreamId).Distinct().Order(StringComparer.Ordinal).ToList();
            Assert.Equal(appended, streams.Select(s => s.GetProperty("streamId").GetString()));
            foreach (var stream in streams)
            {
                var id = stream.GetProperty("streamId").GetString()!.Replace("'", "''", StringComparison.Ordinal);
                Assert.Equal(await archive.ScalarAsync<long>($"SELECT event_count FROM archive.streams WHERE stream_id = '{id}'"), stream.GetProperty("events").GetInt64());
                Assert.Equal(await archive.ScalarAsync<long>($"SELECT max_position FROM archive.streams WHERE stream_id = '{id}'"), stream.GetProperty("position").GetInt64());
                Assert.Equal(await archive.ScalarAsync<string>($"SELECT encode(head_hash, 'hex') FROM archive.streams WHERE stream_id = '{id}'"),
                    stream.GetProperty("headHash").GetString());
                Assert.True(stream.GetProperty("events").GetInt64() > 0);
            }
        }

        var verified = await ExportVerifyAsync(dir);
        Assert.True(verified.ExitCode == 0, verified.StandardOutput + verified.StandardError);
        Assert.Equal($"verified: {dir} is complete, unchanged and signed", verified.StandardOutput.Trim());
    }

    [Theory]
    [InlineData("jsonl", "conversations.jsonl")]
    [InlineData("csv", "messages.csv")]
    [InlineData("html", "transcripts.html")]
    [InlineData("jsonl", "manifest.json")]
    [InlineData("jsonl", "manifest.sig")]
    public async Task One_changed_byte_in_any_file_is_refused(string format, string file)
    {
        var dir = await SignedExportAsync(format);
        var path = Path.Combine(dir, file);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var refused = await ExportVerifyAsync(dir);

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains(file, refused.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith("NOT verified: 1 problem(s)", refused.StandardOutput.Trim(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("csv", "conversations.csv")]
    [InlineData("csv", "messages.csv")]
    [InlineData("jsonl", "manifest.json")]
    [InlineData("jsonl", "manifest.sig")]
    public async Task One_removed_file_is_refused(string format, string file)
    {
        var dir = await SignedExportAsync(format);
        File.Delete(Path.Combine(dir, file));

        var refused = await ExportVerifyAsync(dir);

        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith($"{file} is missing", refused.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_added_to_the_export_is_refused()
    {
        var dir = await SignedExportAsync("jsonl");
        await File.WriteAllTextAsync(Path.Combine(dir, "notes.txt"), "added after the export");

        var refused = await ExportVerifyAsync(dir);

        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith("notes.txt is not in the manifest", refused.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_keys_public_half_does_not_verify_it()
    {
        var dir = await SignedExportAsync("jsonl");
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherPublic = Write("other.pem", other.ExportSubjectPublicKeyInfoPem());

        var refused = await ProcessRunner.ArchiverAsync(new Dictionary<string, string?>(), "export", "verify", dir, "--public-key", otherPublic);

        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith("manifest.json: its signature (manifest.sig) does not verify with the public key", refused.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsigned_export_is_refused()
    {
        var dir = Path.Combine(_root, "unsigned");
        var export = await ProcessRunner.ArchiverAsync(archive.Environment(), "export", "--from", From, "--to", To, "--out", dir);
        Assert.True(export.ExitCode == 0, export.StandardError);
        Assert.Equal(ExportCommandTests.UnsignedWarning, export.StandardError.Trim());

        var refused = await ExportVerifyAsync(dir);

        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith("manifest.sig is missing: the export is not signed", refused.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_analyst_login_cannot_sign_an_export_and_nothing_is_written()
    {
        var analyst = await Signing(await archive.CreateLoginAsync("analyst"));
        var dir = Path.Combine(_root, "analyst");

        var refused = await ProcessRunner.ArchiverAsync(analyst, "export", "--from", From, "--to", To, "--out", dir);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal(
            "archiver export: this login cannot take a checkpoint, which a signed export names (a member of compliance can); " +
            "without Integrity__SigningKeyFile the export is made unsigned", refused.StandardError.Trim());
        Assert.False(Directory.Exists(dir) && Directory.EnumerateFiles(dir).Any());
    }

    [Fact]
    public async Task A_new_key_is_first_used_by_the_worker_login_so_its_change_is_recorded()
    {
        // A checkpoint signed with another key first: the next one, with this test's key, is a key change.
        using var previous = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var worker = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Archive"] = await archive.CreateLoginAsync("archiver_writer"),
            ["Integrity__SigningKeyFile"] = Write("previous.pem", previous.ExportPkcs8PrivateKeyPem()),
            ["Integrity__CheckpointDirectory"] = CheckpointDirectory,
        };
        var taken = await ProcessRunner.ArchiverAsync(worker, "checkpoint");
        Assert.True(taken.ExitCode == 0, taken.StandardError);

        var compliance = await Signing(await archive.CreateLoginAsync("compliance"));
        var dir = Path.Combine(_root, "after-key-change");
        var refused = await ProcessRunner.ArchiverAsync(compliance, "export", "--from", From, "--to", To, "--out", dir);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("the checkpoint key changed", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("take the first checkpoint with the new key as the worker's login", refused.StandardError, StringComparison.Ordinal);

        worker["Integrity__SigningKeyFile"] = PrivateKeyFile;
        var changed = await ProcessRunner.ArchiverAsync(worker, "checkpoint");
        Assert.True(changed.ExitCode == 0, changed.StandardError);
        var previousId = Convert.ToHexStringLower(SHA256.HashData(previous.ExportSubjectPublicKeyInfo()))[..16];
        Assert.Equal(1, await archive.ScalarAsync<long>(
            $"""
            SELECT count(*) FROM archive.events
            WHERE stream_id = 'admin:archive' AND type = 'CheckpointKeyChanged' AND body->>'previousKeyId' = '{previousId}'
            """));
        var exported = await ProcessRunner.ArchiverAsync(compliance, "export", "--from", From, "--to", To, "--out", Path.Combine(_root, "after"));
        Assert.True(exported.ExitCode == 0, exported.StandardError);
    }

    /// <summary>A signed export by a compliance login into a new directory; returns the directory.</summary>
    private async Task<string> SignedExportAsync(string format)
    {
        var dir = Path.Combine(_root, $"{format}-{Guid.NewGuid():N}");
        var environment = await Signing(await archive.CreateLoginAsync("compliance"));
        var result = await ProcessRunner.ArchiverAsync(environment, "export", "--from", From, "--to", To, "--format", format, "--out", dir);
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("", result.StandardError);
        return dir;
    }

    private Task<ProcessResult> ExportVerifyAsync(string dir) =>
        ProcessRunner.ArchiverAsync(new Dictionary<string, string?>(), "export", "verify", dir, "--public-key", PublicKeyFile);

    private Task<Dictionary<string, string?>> Signing(string connectionString) => Task.FromResult(new Dictionary<string, string?>
    {
        ["ConnectionStrings__Archive"] = connectionString,
        ["Integrity__SigningKeyFile"] = PrivateKeyFile,
        ["Integrity__CheckpointDirectory"] = CheckpointDirectory,
    });

    private string Write(string name, string text)
    {
        var path = Path.Combine(_root, name);
        if (!File.Exists(path))
            File.WriteAllText(path, text);
        return path;
    }
}
