using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using Archiver.Testing;

namespace Archiver.Worker.Tests.Cli;

/// <summary><c>archiver export</c> run as a process against a seeded archive; every file read back and checked against the seed.</summary>
public sealed class ExportCommandTests(ComplianceArchive archive) : IClassFixture<ComplianceArchive>, IDisposable
{
    internal static readonly string From = ComplianceArchive.WindowFrom.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
    internal static readonly string To = ComplianceArchive.WindowTo.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private readonly string _root = Directory.CreateTempSubdirectory("archiver-export-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Jsonl_parses_back_into_exactly_the_seeded_conversations()
    {
        var dir = await ExportAsync("jsonl");

        var lines = await File.ReadAllLinesAsync(Path.Combine(dir, "conversations.jsonl"));
        Assert.Equal(2, lines.Length); // Charlie started before the window
        using var alpha = JsonDocument.Parse(lines[0]);
        using var bravo = JsonDocument.Parse(lines[1]);
        AssertConversation(archive.Alpha, alpha.RootElement);
        AssertConversation(archive.Bravo, bravo.RootElement);

        var a = archive.Alpha;
        Assert.Equal(a.Agent2, alpha.RootElement.GetProperty("agentId").GetString()); // the agent after the transfer
        Assert.Equal(
            [(a.Consumer, "CONSUMER", "JOINED"), (a.Agent1, "ASSIGNED_AGENT", "JOINED"), (a.Agent2, "ASSIGNED_AGENT", "JOINED"),
             (a.Agent1, "ASSIGNED_AGENT", "LEFT"), (a.Bot, "AGENT", "JOINED")],
            alpha.RootElement.GetProperty("participants").EnumerateArray()
                .Select(p => (p.GetProperty("participantId").GetString(), p.GetProperty("role").GetString(), p.GetProperty("change").GetString())));
        var csat = alpha.RootElement.GetProperty("csat");
        Assert.Equal(5, csat.GetProperty("rate").GetInt32());
        Assert.True(csat.GetProperty("resolutionConfirmation").GetBoolean());
        Assert.Equal("FILLED", csat.GetProperty("status").GetString());
        Assert.Equal(a.LastUpdate, Time(csat.GetProperty("submittedAt")));
        var answer = Assert.Single(csat.GetProperty("surveyAnswers").EnumerateArray());
        Assert.Equal(("q1", "a5", "5"), (answer.GetProperty("questionId").GetString(), answer.GetProperty("answerId").GetString(), answer.GetProperty("answer").GetString()));
        Assert.Equal(JsonValueKind.Null, bravo.RootElement.GetProperty("csat").ValueKind);

        // The seed has every receipt case: delivered and read, delivered only, read only, none.
        var all = a.Messages.Concat(archive.Bravo.Messages).ToList();
        Assert.Contains(all, m => m.AcceptedAt is not null && m.ReadAt is not null);
        Assert.Contains(all, m => m.AcceptedAt is not null && m.ReadAt is null);
        Assert.Contains(all, m => m.AcceptedAt is null && m.ReadAt is not null);
        Assert.Contains(all, m => m.AcceptedAt is null && m.ReadAt is null);
    }

    [Theory]
    [InlineData("jsonl", new[] { "conversations.jsonl" })]
    [InlineData("csv", new[] { "conversations.csv", "messages.csv" })]
    [InlineData("html", new[] { "transcripts.html" })]
    public async Task The_manifest_counts_the_export_and_its_hashes_match_the_files(string format, string[] files)
    {
        var dir = await ExportAsync(format);

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "manifest.json")));
        var root = manifest.RootElement;
        Assert.Equal(format, root.GetProperty("format").GetString());
        Assert.Equal(ComplianceArchive.WindowFrom, root.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(ComplianceArchive.WindowTo, root.GetProperty("to").GetDateTimeOffset());
        Assert.True(DateTimeOffset.UtcNow - root.GetProperty("createdAt").GetDateTimeOffset() < TimeSpan.FromMinutes(5));
        Assert.Equal(2, root.GetProperty("conversations").GetInt64());
        Assert.Equal(archive.Alpha.Messages.Count + archive.Bravo.Messages.Count, root.GetProperty("messages").GetInt64());
        Assert.Equal(files, root.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        foreach (var file in root.GetProperty("files").EnumerateArray())
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(dir, file.GetProperty("name").GetString()!));
            Assert.True(bytes.Length > 0);
            Assert.Equal(bytes.Length, file.GetProperty("bytes").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), file.GetProperty("sha256").GetString());
        }
        Assert.Equal(files.Append("manifest.json").Order(StringComparer.Ordinal), Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_changed_file_no_longer_matches_the_manifest()
    {
        var dir = await ExportAsync("jsonl");
        var path = Path.Combine(dir, "conversations.jsonl");
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace("48213", "48214", StringComparison.Ordinal));

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "manifest.json")));
        var recorded = manifest.RootElement.GetProperty("files")[0].GetProperty("sha256").GetString();
        Assert.NotEqual(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))), recorded);
    }

    [Fact]
    public async Task Paging_one_conversation_at_a_time_gives_the_same_bytes()
    {
        var whole = await ExportAsync("jsonl");
        var paged = await ExportAsync("jsonl", "--page-size", "1");

        var expected = await File.ReadAllBytesAsync(Path.Combine(whole, "conversations.jsonl"));
        Assert.Equal(expected, await File.ReadAllBytesAsync(Path.Combine(paged, "conversations.jsonl")));
        Assert.Equal(2, expected.Count(b => b == (byte)'\n'));
    }

    [Fact]
    public async Task Csv_is_rfc4180_with_one_row_per_conversation_and_per_message_and_keeps_awkward_text_intact()
    {
        var dir = await ExportAsync("csv");

        var conversations = Rfc4180.Table(await File.ReadAllTextAsync(Path.Combine(dir, "conversations.csv")));
        var messages = Rfc4180.Table(await File.ReadAllTextAsync(Path.Combine(dir, "messages.csv")));
        Assert.Equal([archive.Alpha.Id, archive.Bravo.Id], conversations.Select(c => c["conversationId"]));
        Assert.Equal(("5", "true", "FILLED"), (conversations[0]["csatRate"], conversations[0]["csatResolutionConfirmation"], conversations[0]["csatStatus"]));
        Assert.Equal(archive.Alpha.Messages.Count + archive.Bravo.Messages.Count, messages.Count);
        Assert.Equal(archive.Alpha.Messages.Count, messages.Count(m => m["conversationId"] == archive.Alpha.Id));

        var awkward = archive.Alpha.Messages.Single(m => m.Text == ComplianceArchive.AwkwardText);
        var row = Assert.Single(messages, m => m["dialogId"] == awkward.DialogId && m["sequence"] == awkward.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ComplianceArchive.AwkwardText, row["text"]);
        Assert.Equal(awkward.OriginatorId, row["originatorId"]);
        Assert.Equal(awkward.ReadAt, DateTimeOffset.Parse(row["readAt"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(
            archive.Alpha.Transcript.Concat(archive.Bravo.Transcript).Select(m => (m.DialogId, m.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Text ?? "")),
            messages.Select(m => (m["dialogId"], m["sequence"], m["text"])));
    }

    [Fact]
    public async Task Html_is_one_well_formed_self_contained_page_with_every_text_encoded()
    {
        var dir = await ExportAsync("html");
        var html = await File.ReadAllTextAsync(Path.Combine(dir, "transcripts.html"));

        // Well-formed: an XML parser accepts it (balanced tags, quoted attributes, only XML-safe entities).
        var document = new XmlDocument();
        using (var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }))
            document.Load(reader);
        var sections = document.SelectNodes("/html/body/section[@class='conversation']")!;
        Assert.Equal(2, sections.Count);
        Assert.Equal($"Conversation {archive.Alpha.Id}", sections[0]!.SelectSingleNode("h2")!.InnerText);
        var cells = sections[0]!.SelectNodes("table/tbody/tr/td[@class='text']")!.Cast<XmlNode>().Select(n => n.InnerText).ToList();
        Assert.Equal(archive.Alpha.Messages.Count, cells.Count);
        Assert.Contains(ComplianceArchive.AwkwardText, cells);
        Assert.Contains(ComplianceArchive.MarkupText, cells);
        Assert.Contains(cells, c => c.StartsWith("[file] Receipt 48213 /v1/AUTH_async-images/", StringComparison.Ordinal));

        // Encoded, never markup; and nothing fetched from elsewhere.
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<Rue>", html, StringComparison.Ordinal);
        Assert.Contains("<style>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" src=", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_empty_window_still_writes_complete_files_and_a_manifest_saying_zero()
    {
        var dir = await ExportAsync("csv", "--from", "2020-01-01", "--to", "2020-01-02");

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "manifest.json")));
        Assert.Equal(0, manifest.RootElement.GetProperty("conversations").GetInt64());
        Assert.Equal(0, manifest.RootElement.GetProperty("messages").GetInt64());
        Assert.Empty(Rfc4180.Table(await File.ReadAllTextAsync(Path.Combine(dir, "messages.csv"))));
        Assert.Single(Rfc4180.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "conversations.csv")))); // the header
    }

    [Fact]
    public async Task A_reversed_window_or_a_non_empty_directory_fails_with_one_line()
    {
        var reversed = await ProcessRunner.ArchiverAsync(archive.Environment(), "export", "--from", To, "--to", From, "--out", Path.Combine(_root, "reversed"));
        Assert.Equal(1, reversed.ExitCode);
        Assert.Equal("archiver export: --from must be before --to", reversed.StandardError.Trim());
        Assert.False(Directory.Exists(Path.Combine(_root, "reversed")));

        var occupied = Directory.CreateDirectory(Path.Combine(_root, "occupied")).FullName;
        await File.WriteAllTextAsync(Path.Combine(occupied, "keep.txt"), "mine");
        var refused = await ProcessRunner.ArchiverAsync(archive.Environment(), "export", "--from", From, "--to", To, "--out", occupied);
        Assert.Equal(1, refused.ExitCode);
        Assert.Single(refused.StandardError.Trim().Split('\n'));
        Assert.Contains("not empty", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(["keep.txt"], Directory.GetFiles(occupied).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_analyst_login_can_export_search_and_read_transcripts()
    {
        var analyst = new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = await archive.CreateLoginAsync("analyst") };
        var dir = Path.Combine(_root, "analyst");

        var export = await ProcessRunner.ArchiverAsync(analyst, "export", "--from", From, "--to", To, "--out", dir);
        var transcript = await ProcessRunner.ArchiverAsync(analyst, "transcript", archive.Bravo.Id);
        var search = await ProcessRunner.ArchiverAsync(analyst, "search", "refund");

        Assert.True(export.ExitCode == 0, export.StandardError);
        Assert.Equal(2, (await File.ReadAllLinesAsync(Path.Combine(dir, "conversations.jsonl"))).Length);
        Assert.True(transcript.ExitCode == 0, transcript.StandardError);
        Assert.Contains("The refund is issued", transcript.StandardOutput, StringComparison.Ordinal);
        Assert.True(search.ExitCode == 0, search.StandardError);
        Assert.StartsWith(archive.Bravo.Id, search.StandardOutput, StringComparison.Ordinal);
    }

    internal const string UnsignedWarning =
        "archiver export: Integrity__SigningKeyFile is not set: the export is not signed and names no checkpoint (archiver export verify will refuse it)";

    /// <summary>Runs the export into a new directory and checks its one-line summary; returns the directory.</summary>
    private async Task<string> ExportAsync(string format, params string[] extra)
    {
        var dir = Path.Combine(_root, $"{format}-{Guid.NewGuid():N}");
        string[] window = extra.Contains("--from") ? [] : ["--from", From, "--to", To];
        var result = await ProcessRunner.ArchiverAsync(archive.Environment(), ["export", .. window, "--format", format, "--out", dir, .. extra]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        // stderr is redirected, so no progress bar: only the warning that, with no key configured, nothing is signed.
        Assert.Equal(UnsignedWarning, result.StandardError.Trim());
        var summary = Assert.Single(result.StandardOutput.Trim().Split('\n'));
        Assert.StartsWith("exported ", summary, StringComparison.Ordinal);
        Assert.EndsWith($" as {format} to {dir}", summary, StringComparison.Ordinal);
        return dir;
    }

    internal static void AssertConversation(ScriptedConversation expected, JsonElement actual)
    {
        Assert.Equal(expected.Id, actual.GetProperty("conversationId").GetString());
        Assert.Equal(expected.Consumer, actual.GetProperty("consumerId").GetString());
        Assert.Equal(expected.State, actual.GetProperty("state").GetString());
        Assert.Equal(expected.Stage, actual.GetProperty("stage").GetString());
        Assert.Equal(expected.CloseReason, actual.GetProperty("closeReason").GetString());
        Assert.Equal(expected.Start, Time(actual.GetProperty("startTs")));
        Assert.Equal(expected.End, Time(actual.GetProperty("endTs")));

        var messages = actual.GetProperty("messages").EnumerateArray().ToList();
        var seeded = expected.Transcript.ToList();
        Assert.Equal(seeded.Count, messages.Count);
        foreach (var (want, got) in seeded.Zip(messages))
        {
            Assert.Equal(want.DialogId, got.GetProperty("dialogId").GetString());
            Assert.Equal(want.DialogType, got.GetProperty("dialogType").GetString());
            Assert.Equal(want.Sequence, got.GetProperty("sequence").GetInt64());
            Assert.Equal(want.OriginatorId, got.GetProperty("originatorId").GetString());
            Assert.Equal(want.Role, got.GetProperty("role").GetString());
            Assert.Equal(want.OriginatorRole, got.GetProperty("originatorRole").GetString());
            Assert.Equal(want.ContentType, got.GetProperty("contentType").GetString());
            Assert.Equal(want.Text, got.GetProperty("text").GetString());
            Assert.Equal(want.FilePath, got.GetProperty("filePath").GetString());
            if (want.RichContent is null)
                Assert.Equal(JsonValueKind.Null, got.GetProperty("richContent").ValueKind);
            else
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(want.RichContent), JsonNode.Parse(got.GetProperty("richContent").GetRawText())));
            Assert.Equal(want.ServerTimestamp, Time(got.GetProperty("serverTimestamp")));
            Assert.Equal(want.AcceptedAt, Time(got.GetProperty("acceptedAt")));
            Assert.Equal(want.ReadAt, Time(got.GetProperty("readAt")));
        }
    }

    /// <summary>An ISO-8601 UTC timestamp with a Z, or null.</summary>
    internal static DateTimeOffset? Time(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        Assert.EndsWith("Z", value.GetString(), StringComparison.Ordinal);
        return value.GetDateTimeOffset();
    }
}
