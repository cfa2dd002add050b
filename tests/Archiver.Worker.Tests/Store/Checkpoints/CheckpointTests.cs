using System.Security.Cryptography;
using Archiver.Domain.Hashing;
using Archiver.Domain.Protocol;
using Archiver.Worker.Store;
using Archiver.Worker.Store.Checkpoints;
using Archiver.Worker.Store.Verification;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Tests.Store.Checkpoints;

/// <summary>
/// Signed checkpoints against tampering by the database's owner: each scenario is done as a superuser in SQL (triggers
/// disabled, heads and chains made consistent again so that the plain chain walk finds nothing), then caught and named
/// by the verification against the checkpoint files. Each test has its own database.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("archiver-checkpoints-").FullName;
    private readonly string _key;
    private readonly string _public;

    public CheckpointTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _key = Path.Combine(_directory, "key.pem");
        _public = Path.Combine(_directory, "public.pem");
        File.WriteAllText(_key, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(_public, key.ExportSubjectPublicKeyInfoPem());
    }

    private string Files => Path.Combine(_directory, "files");

    /// <summary>What a forger does after removing events: every stream's row set back to its remaining events, so the heads agree.</summary>
    internal const string SetStreamHeadsBack =
        """
        UPDATE archive.streams s SET max_position = h.position, event_count = h.count, head_hash = h.hash
        FROM (SELECT DISTINCT ON (stream_id) stream_id, position, hash, count(*) OVER (PARTITION BY stream_id) AS count
              FROM archive.events ORDER BY stream_id, global_position DESC) h
        WHERE s.stream_id = h.stream_id;
        """;

    /// <summary>An archive of three streams with a conflict and a rejection, and two checkpoints over it.</summary>
    private async Task<(MigratedDatabase Database, string Dialog)> ArchiveAsync()
    {
        var database = new MigratedDatabase();
        await database.InitializeAsync();
        var store = database.CreateStore();
        var dialog = Guid.NewGuid().ToString();
        await store.AppendAsync([.. Enumerable.Range(0, 6).Select(i => Events.Content(dialog, i)), Events.Content("other", 0), Events.Content("third", 0)]);
        await store.AppendAsync([Events.Content(dialog, 2, "changed")]); // a conflict
        var frame = new byte[] { 1, 2, 3 };
        await store.AppendAsync([], [RejectionRecord.ForFrame("c1", ArchiveIssue.Of(IssueReasons.FrameBinary, "binary"), frame, 3, SHA256.HashData(frame))]);
        await Checkpointer(database).TakeAsync(CancellationToken.None);
        await store.AppendAsync([.. Enumerable.Range(6, 6).Select(i => Events.Content(dialog, i))]);
        await Checkpointer(database).TakeAsync(CancellationToken.None);
        return (database, dialog);
    }

    private Checkpointer Checkpointer(MigratedDatabase database) => new(database.DataSource,
        Options.Create(new IntegrityOptions { SigningKeyFile = _key, CheckpointDirectory = Files }),
        new AdminLog(database.CreateStore(), database.DataSource, TimeProvider.System), TimeProvider.System, NullLogger<Checkpointer>.Instance);

    private async Task<(VerificationReport Plain, IReadOnlyList<VerificationFinding> Checkpoints)> VerifyAsync(MigratedDatabase database) =>
        (await database.CreateVerifier().VerifyAsync(), await new CheckpointVerifier(database.DataSource).VerifyAsync(Files, _public, CancellationToken.None));

    [Fact]
    public async Task An_untouched_archive_verifies_against_its_checkpoints_and_the_files_verify_with_openssl_terms()
    {
        var (database, _) = await ArchiveAsync();
        await using var _1 = database.AsDisposable();

        var (plain, checkpoints) = await VerifyAsync(database);
        Assert.True(plain.Intact);
        Assert.Empty(checkpoints);
        // What an outsider checks with openssl: the payload's bytes, the DER signature, the public key.
        var file = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Files, SignedCheckpoint.FileName(2)))).RootElement;
        using var key = ECDsa.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(_public));
        Assert.True(key.VerifyData(System.Text.Encoding.UTF8.GetBytes(file.GetProperty("payload").GetString()!),
            Convert.FromBase64String(file.GetProperty("signature").GetString()!), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(2, await database.ScalarAsync<long>("SELECT count(*) FROM archive.checkpoints"));
    }

    [Fact]
    public async Task A_truncated_tail_with_heads_set_back_is_named()
    {
        var (database, dialog) = await ArchiveAsync();
        await using var _1 = database.AsDisposable();
        await database.ExecuteAsync(
            $"""
            ALTER TABLE archive.events DISABLE TRIGGER events_append_only;
            DELETE FROM archive.events WHERE global_position > (SELECT last_position - 5 FROM archive.log_head);
            UPDATE archive.log_head SET last_position = last_position - 5;
            {SetStreamHeadsBack}
            ALTER TABLE archive.events ENABLE TRIGGER events_append_only;
            """);

        var (plain, checkpoints) = await VerifyAsync(database);
        Assert.True(plain.Intact, string.Join("; ", plain.Findings)); // the chain walk alone is fooled
        Assert.Contains(checkpoints, f => f.Kind == FindingKind.LogTruncated && f.Detail.Contains("checkpoint 2", StringComparison.Ordinal));
        _ = dialog;
    }

    [Fact]
    public async Task A_stream_deleted_whole_is_named()
    {
        var (database, _) = await ArchiveAsync();
        await using var _1 = database.AsDisposable();
        await database.ExecuteAsync(
            """
            ALTER TABLE archive.events DISABLE TRIGGER events_append_only;
            DELETE FROM archive.events WHERE stream_id = 'third';
            DELETE FROM archive.streams WHERE stream_id = 'third';
            ALTER TABLE archive.events ENABLE TRIGGER events_append_only;
            """);

        var (_, checkpoints) = await VerifyAsync(database);
        Assert.Contains(checkpoints, f => f.Kind == FindingKind.StreamHeadsDiffer && f.Detail.Contains("checkpoint 1", StringComparison.Ordinal));
        Assert.Contains(checkpoints, f => f.Kind == FindingKind.StreamHeadsDiffer && f.Detail.Contains("checkpoint 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_event_edited_with_its_chain_recomputed_is_named()
    {
        var (database, dialog) = await ArchiveAsync();
        await using var _1 = database.AsDisposable();
        await database.ExecuteAsync(
            $"""
            ALTER TABLE archive.events DISABLE TRIGGER events_append_only;
            UPDATE archive.events SET body = replace(body::text, 'hello', 'HELLO')::json WHERE stream_id = '{dialog}' AND position = 3;
            """);
        await RechainAsync(database, dialog);

        var (plain, checkpoints) = await VerifyAsync(database);
        Assert.True(plain.Intact, string.Join("; ", plain.Findings)); // a consistent forgery for the chain walk
        Assert.Contains(checkpoints, f => f.Kind == FindingKind.StreamHeadsDiffer && f.Detail.Contains("checkpoint 1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("UPDATE archive.conflicts SET body = '{\"x\":1}'", "conflicts_append_only")]
    [InlineData("DELETE FROM archive.conflicts", "conflicts_append_only")]
    [InlineData("UPDATE archive.rejections SET detail = 'nothing to see'", "rejections_append_only")]
    public async Task A_conflict_or_rejection_row_edited_or_deleted_is_named(string tamper, string trigger)
    {
        var (database, _) = await ArchiveAsync();
        await using var _1 = database.AsDisposable();
        var table = trigger.StartsWith("conflicts", StringComparison.Ordinal) ? "conflicts" : "rejections";
        await database.ExecuteAsync($"ALTER TABLE archive.{table} DISABLE TRIGGER {trigger}; {tamper}; ALTER TABLE archive.{table} ENABLE TRIGGER {trigger};");

        var (plain, checkpoints) = await VerifyAsync(database);
        Assert.True(plain.Intact);
        Assert.Contains(checkpoints, f => f.Kind == (table == "conflicts" ? FindingKind.ConflictsDiffer : FindingKind.RejectionsDiffer));
    }

    [Fact]
    public async Task A_rewritten_checkpoint_table_is_named()
    {
        var (database, _) = await ArchiveAsync();
        await using var _1 = database.AsDisposable();
        await database.ExecuteAsync(
            """
            ALTER TABLE archive.checkpoints DISABLE TRIGGER checkpoints_append_only;
            DELETE FROM archive.checkpoints WHERE checkpoint_id = 2;
            ALTER TABLE archive.checkpoints ENABLE TRIGGER checkpoints_append_only;
            """);

        var (_, checkpoints) = await VerifyAsync(database);
        Assert.Contains(checkpoints, f => f.Kind == FindingKind.CheckpointTableRewritten && f.Detail.Contains("checkpoint 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_checkpoint_file_whose_signature_fails_is_named()
    {
        var (database, _) = await ArchiveAsync();
        await using var _1 = database.AsDisposable();
        var path = Path.Combine(Files, SignedCheckpoint.FileName(1));
        var file = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        var payload = file["payload"]!.GetValue<string>();
        file["payload"] = payload.Replace("\"events\":", "\"events\": ", StringComparison.Ordinal); // one byte more
        Assert.NotEqual(payload, file["payload"]!.GetValue<string>());
        await File.WriteAllTextAsync(path, file.ToJsonString());

        var (_, checkpoints) = await VerifyAsync(database);
        Assert.Contains(checkpoints, f => f.Kind == FindingKind.CheckpointSignatureInvalid && f.Detail.Contains(SignedCheckpoint.FileName(1), StringComparison.Ordinal));
    }

    /// <summary>What a forger with the database would do: recompute the stream's chain from the edited event on, and its head.</summary>
    private static async Task RechainAsync(MigratedDatabase database, string stream)
    {
        var events = new List<Archiver.Domain.Events.RecordedEvent>();
        await using (var read = database.DataSource.CreateCommand(
            $"SELECT {PostgresEventStore.RecordedEventColumns} FROM archive.events WHERE stream_id = '{stream}' ORDER BY global_position"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                events.Add(PostgresEventStore.ReadRecordedEvent(reader));
        }
        var previous = EventHash.Genesis.ToArray();
        foreach (var e in events)
        {
            var hash = EventHash.Compute(previous, e.GlobalPosition, e.StreamId, e.Position, e.Type, e.ServerTimestamp, e.RecordedAt, e.DedupeKey, e.Body);
            await using var update = database.DataSource.CreateCommand("UPDATE archive.events SET prev_hash = $1, hash = $2 WHERE global_position = $3");
            update.Parameters.AddWithValue(previous);
            update.Parameters.AddWithValue(hash);
            update.Parameters.AddWithValue(e.GlobalPosition);
            await update.ExecuteNonQueryAsync();
            previous = hash;
        }
        await using var head = database.DataSource.CreateCommand("UPDATE archive.streams SET head_hash = $1 WHERE stream_id = $2");
        head.Parameters.AddWithValue(previous);
        head.Parameters.AddWithValue(stream);
        await head.ExecuteNonQueryAsync();
        await database.ExecuteAsync("ALTER TABLE archive.events ENABLE TRIGGER events_append_only");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
