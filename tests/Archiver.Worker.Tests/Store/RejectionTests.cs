using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Domain.Protocol;
using Archiver.Worker.Projections;
using Archiver.Worker.Store;
using Npgsql;

namespace Archiver.Worker.Tests.Store;

/// <summary>
/// Hostile content through the real store and projections, written as the worker's login (a member of archiver_writer,
/// not the owner): every change is archived byte for byte, what could not be mapped or projected as it came is recorded
/// in archive.rejections once (first seen), and nothing of it fails a batch.
/// </summary>
public sealed class RejectionTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>, IAsyncLifetime
{
    private NpgsqlDataSource _writer = null!;

    public async Task InitializeAsync() => _writer = NpgsqlDataSource.Create(await database.CreateLoginAsync("archiver_writer"));

    public async Task DisposeAsync() => await _writer.DisposeAsync();

    private PostgresEventStore Store() =>
        MigratedDatabase.CreateStore(_writer, new TranscriptProjection(), new ReadModelsProjection(), new AgentsProjection());

    private static MessagingChange Change(string json)
    {
        using var document = JsonDocument.Parse(json, JsonLimits.Document);
        return MessagingChange.Read(document.RootElement);
    }

    private static string Message(string dialog, long sequence, string messageJson, string timestamp = "1700000000000") =>
        $$"""{"sequence":{{sequence}},"originatorId":"agent-1","originatorMetadata":{"role":"ASSIGNED_AGENT"},"serverTimestamp":{{timestamp}},"event":{"type":"ContentEvent","contentType":"text/plain","message":{{messageJson}}},"conversationId":"{{dialog}}","dialogId":"{{dialog}}"}""";

    [Fact]
    public async Task Hostile_messages_are_archived_byte_for_byte_projected_sanitised_and_recorded_once_without_failing_their_batch()
    {
        var dialog = Guid.NewGuid().ToString();
        var huge = string.Join(' ', Enumerable.Range(0, 200_000).Select(i => $"w{i}"));
        var changes = new[]
        {
            Message(dialog, 0, "\"plain before\""),
            Message(dialog, 1, "\"half an emoji \\ud83d\""),
            Message(dialog, 2, "\"before\\u0000after\""),
            Message(dialog, 3, JsonSerializer.Serialize(huge)),
            Message(dialog, 4, "\"absurd time\"", timestamp: "9999999999999999"),
            $$$"""{"sequence":5,"serverTimestamp":1700000000001,"event":{"type":"RichContentEvent","content":{"type":"vertical","elements":[{"type":"text","text":"a\u0000b"},{"n":1e5000}]}},"dialogId":"{{{dialog}}}"}""",
            $$"""{"sequence":6,"serverTimestamp":1700000000002,"event":{"type":"RichContentEvent","content":{{new string('[', 200)}}1{{new string(']', 200)}}},"dialogId":"{{dialog}}"}""",
            Message(dialog, 7, "\"plain after\""),
        };
        var events = changes.Select(c => ArchiveMapping.ForMessaging(Change(c), "c1", archiveChatStates: false)!).ToList();

        var result = await Store().AppendAsync(events);

        Assert.Equal(changes.Length, result.Appended);
        for (var i = 0; i < changes.Length; i++)
            Assert.Equal(changes[i], await database.ScalarAsync<string>($"SELECT body::text FROM archive.events WHERE stream_id = '{dialog}' AND position = {i}"));
        Assert.Equal(["plain before", "half an emoji \uFFFD", "before\uFFFDafter", huge, "absurd time", null, null, "plain after"],
            await TextsAsync(dialog));
        Assert.Equal(DBNull.Value, await database.ScalarAsync<object>($"SELECT server_ts FROM readmodel.transcript_messages WHERE dialog_id = '{dialog}' AND sequence = 4"));
        Assert.Equal("""{"type": "vertical", "elements": [{"text": "a\ufffdb", "type": "text"}, {"n": "1e5000"}]}""".Replace("\\ufffd", "\uFFFD", StringComparison.Ordinal),
            await database.ScalarAsync<string>($"SELECT rich_content::text FROM readmodel.transcript_messages WHERE dialog_id = '{dialog}' AND sequence = 5"));
        Assert.True(await database.ScalarAsync<bool>($"SELECT search @@ to_tsquery('simple', 'w0') FROM readmodel.transcript_messages WHERE dialog_id = '{dialog}' AND sequence = 3"));

        Assert.Equal(
            [(1, "projection", "text_repaired"), (2, "projection", "text_repaired"), (3, "projection", "text_truncated_for_search"),
             (4, "mapping", "timestamp_out_of_range"), (5, "projection", "number_invalid")],
            await RejectionsAsync(dialog));
        Assert.Equal(5, result.Rejections.Count);

        // Delivered again (a resubscribe from fromSeq): duplicates, and nothing recorded twice.
        var firstSeen = await database.ScalarAsync<DateTime>($"SELECT max(first_seen) FROM archive.rejections WHERE stream_id = '{dialog}'");
        var again = await Store().AppendAsync(changes.Select(c => ArchiveMapping.ForMessaging(Change(c), "c1", archiveChatStates: false)!).ToList());
        Assert.Equal(changes.Length, again.Duplicates);
        Assert.Empty(again.Rejections);
        Assert.Equal(5, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.rejections WHERE stream_id = '{dialog}'"));
        Assert.Equal(firstSeen, await database.ScalarAsync<DateTime>($"SELECT max(first_seen) FROM archive.rejections WHERE stream_id = '{dialog}'"));
    }

    [Fact]
    public async Task A_change_whose_key_is_unusable_is_archived_in_its_consumers_unrecognised_stream_never_as_another_event()
    {
        var dialog = Guid.NewGuid().ToString();
        var consumer = $"consumer-{Guid.NewGuid():N}";
        var real = Message(dialog, 1, "\"the real sequence 1\"");
        var fractional = Message(dialog, 1, "\"sequence 1.9\"").Replace("\"sequence\":1,", "\"sequence\":1.9,", StringComparison.Ordinal);
        var posing = Message(dialog, 0, "\"poses as a conversation\"").Replace($"\"dialogId\":\"{dialog}\"", $"\"dialogId\":\"conversation:{dialog}\"", StringComparison.Ordinal);

        var result = await Store().AppendAsync([.. new[] { real, fractional, posing }.Select(c => ArchiveMapping.ForMessaging(Change(c), consumer, false)!)]);

        Assert.Equal(3, result.Appended);
        Assert.Equal(real, await database.ScalarAsync<string>($"SELECT body::text FROM archive.events WHERE stream_id = '{dialog}' AND position = 1"));
        Assert.Equal(1, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.events WHERE stream_id = '{dialog}'"));
        Assert.Equal(0, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.events WHERE stream_id = 'conversation:{dialog}'"));
        Assert.Equal([fractional, posing], await database.ScalarAsync<string[]>(
            $"SELECT array_agg(body::text ORDER BY position) FROM archive.events WHERE stream_id = 'unrecognised:{consumer}' AND type = 'UnmappedChange'"));
        Assert.Equal(["sequence_invalid", "dialog_id_invalid"], await database.ScalarAsync<string[]>(
            $"SELECT array_agg(reason ORDER BY position) FROM archive.rejections WHERE stream_id = 'unrecognised:{consumer}' AND consumer_name = '{consumer}' AND stage = 'mapping'"));
    }

    [Fact]
    public async Task A_frame_nothing_of_which_is_an_event_keeps_its_bytes_size_and_hash_once()
    {
        var consumer = $"consumer-{Guid.NewGuid():N}";
        var bytes = new byte[] { 0x00, 0xFF, 0x10, 0x80, 0x7B };
        var record = RejectionRecord.ForFrame(consumer, ArchiveIssue.Of(IssueReasons.FrameBinary, "a binary frame of 5 bytes"), bytes, bytes.Length, SHA256.HashData(bytes));

        var first = await Store().AppendAsync([], [record]);
        var second = await Store().AppendAsync([], [record]);

        Assert.Single(first.Rejections);
        Assert.Empty(second.Rejections);
        Assert.Equal(bytes, await database.ScalarAsync<byte[]>($"SELECT raw FROM archive.rejections WHERE consumer_name = '{consumer}'"));
        Assert.Equal($"frame/frame_binary/5/{Convert.ToHexStringLower(SHA256.HashData(bytes))}", await database.ScalarAsync<string>(
            $"SELECT concat_ws('/', stage, reason, raw_size, encode(raw_sha256, 'hex')) FROM archive.rejections WHERE consumer_name = '{consumer}'"));
    }

    [Fact]
    public async Task The_worker_login_can_record_rejections_but_never_change_or_remove_them()
    {
        var dialog = Guid.NewGuid().ToString();
        await Store().AppendAsync([ArchiveMapping.ForMessaging(Change(Message(dialog, 0, "\"a\\u0000b\"")), "c1", false)!]);

        foreach (var sql in new[] { "UPDATE archive.rejections SET detail = 'x'", "DELETE FROM archive.rejections", "TRUNCATE archive.rejections" })
        {
            await using var command = _writer.CreateCommand(sql);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }
        Assert.Equal(1, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.rejections WHERE stream_id = '{dialog}'"));
    }

    private async Task<List<string?>> TextsAsync(string dialog)
    {
        var texts = new List<string?>();
        await using var command = database.DataSource.CreateCommand($"SELECT text FROM readmodel.transcript_messages WHERE dialog_id = '{dialog}' ORDER BY sequence");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            texts.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
        return texts;
    }

    private async Task<List<(int, string, string)>> RejectionsAsync(string dialog)
    {
        var rows = new List<(int, string, string)>();
        await using var command = database.DataSource.CreateCommand(
            $"SELECT position, stage, reason FROM archive.rejections WHERE stream_id = '{dialog}' ORDER BY position, reason");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add(((int)reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        return rows;
    }
}
