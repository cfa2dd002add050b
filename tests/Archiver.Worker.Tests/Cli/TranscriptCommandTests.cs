using System.Text.Json.Nodes;
using Archiver.Testing;

namespace Archiver.Worker.Tests.Cli;

/// <summary><c>archiver transcript</c> run as a process against a seeded archive.</summary>
public sealed class TranscriptCommandTests(ComplianceArchive archive) : IClassFixture<ComplianceArchive>
{
    [Fact]
    public async Task Text_shows_the_header_csat_and_every_message_in_order_with_receipt_marks()
    {
        var a = archive.Alpha;
        var result = await ProcessRunner.ArchiverAsync(archive.Environment(), "transcript", a.Id);

        Assert.True(result.ExitCode == 0, result.StandardError);
        var lines = result.StandardOutput.ReplaceLineEndings("\n").Split('\n');
        Assert.Equal($"conversation  {a.Id}", lines[0]);
        Assert.Contains($"consumer      {a.Consumer}", lines);
        Assert.Contains($"agent         {a.Agent2}", lines);
        Assert.Contains("state         CLOSE (stage CLOSE)", lines);
        Assert.Contains($"started       {a.Start:yyyy-MM-dd HH:mm:ss} UTC", lines);
        Assert.Contains("close reason  CONSUMER", lines);
        Assert.Contains(lines, l => l.StartsWith("csat          rate 5/5, resolved, FILLED, at ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("survey        question q1: \"5\" (answer a5)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("participant   ", StringComparison.Ordinal) && l.EndsWith($"left ASSIGNED_AGENT {a.Agent1}", StringComparison.Ordinal));

        // Dialogs in order, each message once, in sequence order.
        var main = Array.IndexOf(lines, $"── MAIN {a.Id} ──");
        var survey = Array.IndexOf(lines, $"── POST_SURVEY {a.Survey} ──");
        Assert.True(main > 0 && survey > main, result.StandardOutput);
        var positions = a.Transcript.Select(m => Array.FindIndex(lines, l => l.StartsWith($"{m.ServerTimestamp:HH:mm:ss}  ", StringComparison.Ordinal))).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);

        string Line(SeededMessage m) => lines.Single(l => l.StartsWith($"{m.ServerTimestamp:HH:mm:ss}  ", StringComparison.Ordinal));
        var awkward = a.Messages.Single(m => m.Text == ComplianceArchive.AwkwardText);
        // Agent ids shortened; one line per message, its line break shown as ⏎; the marks: read by the consumer.
        Assert.Equal($"{awkward.ServerTimestamp:HH:mm:ss}  agent {a.Agent1[..8]}: Sorry to hear that. Could you confirm the \"delivery address\", please?⏎I will check the parcel.  ✓✓", Line(awkward));
        Assert.Matches(@"^\d\d:\d\d:\d\d  agent ", lines[Array.IndexOf(lines, Line(awkward)) + 1]); // the next message, no continuation line
        var file = a.Messages.Single(m => m.FilePath is not null);
        Assert.Equal($"{file.ServerTimestamp:HH:mm:ss}  agent {a.Agent2[..8]}: [file] Receipt 48213 {file.FilePath}  ✓", Line(file)); // delivered, not read
        var rich = a.Messages.Single(m => m.RichContent is not null);
        Assert.EndsWith(": [rich content]  ✓✓", Line(rich), StringComparison.Ordinal);
        var thanks = a.Messages.Single(m => m.Text?.StartsWith("Thanks", StringComparison.Ordinal) == true);
        Assert.Equal($"{thanks.ServerTimestamp:HH:mm:ss}  consumer {a.Consumer}: {thanks.Text}", Line(thanks)); // no receipt: no mark
        Assert.Equal($"{a.Transcript.First().ServerTimestamp:HH:mm:ss}  consumer {a.Consumer}: Hi, my order #48213 has not arrived yet.  ✓✓", Line(a.Transcript.First()));
    }

    [Fact]
    public async Task Json_is_one_object_equal_to_the_conversations_export_line()
    {
        var result = await ProcessRunner.ArchiverAsync(archive.Environment(), "transcript", archive.Alpha.Id, "--format", "json");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Single(result.StandardOutput.Trim().Split('\n'));
        using var document = System.Text.Json.JsonDocument.Parse(result.StandardOutput);
        ExportCommandTests.AssertConversation(archive.Alpha, document.RootElement);

        var dir = Path.Combine(Path.GetTempPath(), $"archiver-transcript-test-{Guid.NewGuid():N}");
        try
        {
            var export = await ProcessRunner.ArchiverAsync(archive.Environment(), "export", "--from", "2024-05-01", "--to", "2024-05-02", "--out", dir);
            Assert.True(export.ExitCode == 0, export.StandardError);
            var line = (await File.ReadAllLinesAsync(Path.Combine(dir, "conversations.jsonl")))
                .Single(l => l.Contains(archive.Alpha.Id, StringComparison.Ordinal));
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(line), JsonNode.Parse(result.StandardOutput)));
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_conversation_fails_with_one_line_on_stderr()
    {
        var unknown = Guid.NewGuid().ToString();

        var result = await ProcessRunner.ArchiverAsync(archive.Environment(), "transcript", unknown);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        var line = Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.StartsWith("archiver transcript: ", line, StringComparison.Ordinal);
        Assert.Contains(unknown, line, StringComparison.Ordinal);
    }
}
