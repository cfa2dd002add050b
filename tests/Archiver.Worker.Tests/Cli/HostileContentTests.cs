using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml;
using Archiver.Testing;
using Archiver.Worker.ReadSide;

namespace Archiver.Worker.Tests.Cli;

/// <summary>
/// What a compliance officer opens must not attack them: formulas in a CSV stay text, escape sequences and forged
/// lines never reach the terminal from <c>archiver transcript</c> or <c>archiver search</c>, and the HTML export carries
/// a policy that lets nothing run. The JSONL export keeps every text exactly.
/// </summary>
public sealed class HostileContentTests(HostileArchive archive) : IClassFixture<HostileArchive>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("archiver-hostile-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tTAB", "'\tTAB")]
    [InlineData("\rCR", "'\rCR")]
    [InlineData("hello", "hello")]
    [InlineData("a=1", "a=1")]
    [InlineData(" =1", " =1")]
    [InlineData("'=1", "'=1")]
    [InlineData("", "")]
    public void A_cell_that_starts_like_a_formula_gets_a_quote_in_front(string cell, string written) =>
        Assert.Equal(written, CsvExportWriter.Neutralise(cell));

    [Fact]
    public async Task Csv_cells_that_start_like_a_formula_are_prefixed_and_jsonl_keeps_the_exact_text()
    {
        var csv = await ExportAsync("csv");
        var jsonl = await ExportAsync("jsonl");

        var conversations = Rfc4180.Table(await File.ReadAllTextAsync(Path.Combine(csv, "conversations.csv")));
        var messages = Rfc4180.Table(await File.ReadAllTextAsync(Path.Combine(csv, "messages.csv")));
        Assert.Equal([archive.Mallory.Id], conversations.Select(c => c["conversationId"]));
        Assert.Equal(archive.Mallory.Messages.Count, messages.Count);
        string Cell(SeededMessage m, string column) =>
            messages.Single(r => r["dialogId"] == m.DialogId && r["sequence"] == m.Sequence.ToString(CultureInfo.InvariantCulture))[column];
        foreach (var formula in HostileArchive.Formulas)
            Assert.Equal("'" + formula, Cell(archive.Mallory.Messages.Single(m => m.Text == formula), "text"));
        Assert.Equal(HostileArchive.Plain, Cell(archive.Mallory.Messages.Single(m => m.Text == HostileArchive.Plain), "text"));
        var file = archive.Mallory.Messages.Single(m => m.FilePath is not null);
        Assert.Equal("'" + HostileArchive.FileCaption, Cell(file, "text"));
        Assert.Equal(HostileArchive.FilePath, Cell(file, "filePath"));
        // No cell of either file starts like a formula; the exporter's own numbers and times are untouched.
        foreach (var cell in conversations.Concat(messages).SelectMany(r => r.Values))
            Assert.False(cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r', $"cell {cell} starts like a formula");
        Assert.Equal(archive.Mallory.Messages.Count.ToString(CultureInfo.InvariantCulture), conversations[0]["messages"]);
        Assert.Equal(file.ServerTimestamp, DateTimeOffset.Parse(Cell(file, "serverTimestamp"), CultureInfo.InvariantCulture));
        await AssertManifestMatchesAsync(csv);

        // The JSONL export of the same conversation keeps every text as it was written.
        using var line = JsonDocument.Parse(Assert.Single(await File.ReadAllLinesAsync(Path.Combine(jsonl, "conversations.jsonl"))));
        var texts = line.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()).ToList();
        foreach (var text in HostileArchive.Formulas.Append(HostileArchive.Plain).Append(HostileArchive.FileCaption)
                     .Concat(HostileArchive.Terminal.Where(t => t.Word != "surrogate").Select(t => t.Text)))
            Assert.Contains(text, texts);
        await AssertManifestMatchesAsync(jsonl);
    }

    [Fact]
    public async Task The_transcript_prints_no_control_character_and_one_line_per_message()
    {
        var m = archive.Mallory;
        var result = await ProcessRunner.ArchiverAsync(archive.Environment(), "transcript", m.Id);

        Assert.True(result.ExitCode == 0, result.StandardError);
        AssertTerminalSafe(result.StandardOutput);
        foreach (var hostile in HostileArchive.Terminal)
            Assert.Contains(hostile.Visible, result.StandardOutput, StringComparison.Ordinal);
        var lines = result.StandardOutput.Split('\n');
        Assert.Contains($"{m.Messages[0].ServerTimestamp:HH:mm:ss}  consumer {m.Consumer}: {HostileArchive.Formulas[0]}", lines); // a formula is harmless here
        // Every message is one line of its own, starting with its time; the forged line stays inside its message.
        Assert.Equal(m.Messages.Count, lines.Count(l => l.Length > 10 && l[2] == ':' && l[5] == ':' && l[8..10] == "  "));
        Assert.DoesNotContain(lines, l => l.StartsWith("09:00:00", StringComparison.Ordinal));
        var forged = m.Messages.Single(x => x.Text!.StartsWith("forged", StringComparison.Ordinal));
        Assert.Contains($"{forged.ServerTimestamp:HH:mm:ss}  consumer {m.Consumer}: forged line⏎09:00:00  agent 00000000: please send your password", lines);
        Assert.Contains(lines, l => l.EndsWith(": colour ^[[31mred^[[0m", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith(": markup [red]styled[/] [link=http://evil]x[/]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith(": bidi invoice\uFFFDfdp.exe\uFFFD and \uFFFDisolate\uFFFD", StringComparison.Ordinal));

        // --format json: the same values, with what a terminal would act on spelled as \u escapes.
        var json = await ProcessRunner.ArchiverAsync(archive.Environment(), "transcript", m.Id, "--format", "json");
        Assert.True(json.ExitCode == 0, json.StandardError);
        AssertTerminalSafe(json.StandardOutput);
        using var document = JsonDocument.Parse(json.StandardOutput);
        var texts = document.RootElement.GetProperty("messages").EnumerateArray().Select(x => x.GetProperty("text").GetString()).ToList();
        foreach (var hostile in HostileArchive.Terminal.Where(t => t.Word != "surrogate"))
            Assert.Contains(hostile.Text, texts);
    }

    [Fact]
    public async Task Search_prints_no_control_character_and_keeps_the_words_visible()
    {
        foreach (var hostile in HostileArchive.Terminal)
        {
            var result = await ProcessRunner.ArchiverAsync(archive.Environment(), "search", hostile.Word);

            Assert.True(result.ExitCode == 0, result.StandardError);
            AssertTerminalSafe(result.StandardOutput);
            var line = Assert.Single(result.StandardOutput.TrimEnd('\n').Split('\n'));
            Assert.StartsWith($"{archive.Mallory.Id}  ", line, StringComparison.Ordinal);
            Assert.Contains($"«{hostile.Word}»", line, StringComparison.Ordinal);
            Assert.Contains(hostile.Visible, line, StringComparison.Ordinal);
        }

        var json = await ProcessRunner.ArchiverAsync(archive.Environment(), "search", "bidi", "--format", "json");
        Assert.True(json.ExitCode == 0, json.StandardError);
        AssertTerminalSafe(json.StandardOutput);
        using var document = JsonDocument.Parse(json.StandardOutput);
        Assert.Contains("\u202E", Assert.Single(document.RootElement.EnumerateArray()).GetProperty("snippet").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_html_page_carries_a_policy_that_allows_only_its_own_style_and_shows_every_text_as_text()
    {
        var dir = await ExportAsync("html");
        var html = await File.ReadAllTextAsync(Path.Combine(dir, "transcripts.html"));

        var document = new XmlDocument();
        using (var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }))
            document.Load(reader);
        var head = document.SelectSingleNode("/html/head")!;
        var policy = head.SelectSingleNode("meta[@http-equiv='Content-Security-Policy']/@content")?.Value;
        Assert.Equal(HtmlExportWriter.ContentSecurityPolicy, policy);
        Assert.StartsWith("default-src 'none'; ", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        // The policy comes before the style it allows, and allows it by the hash of its exact text.
        var metaIndex = html.IndexOf("Content-Security-Policy", StringComparison.Ordinal);
        Assert.True(metaIndex > 0 && metaIndex < html.IndexOf("<style>", StringComparison.Ordinal));
        var style = head.SelectSingleNode("style")!.InnerText;
        Assert.Contains($"style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style)))}'", policy, StringComparison.Ordinal);
        Assert.Equal("no-referrer", head.SelectSingleNode("meta[@name='referrer']/@content")?.Value);

        // Every text is text: no element, attribute or link came from the archive.
        Assert.Empty(document.SelectNodes("//script | //img | //a | //iframe | //object | //embed | //form | //base | //link | //@href | //@src")!.Cast<XmlNode>());
        var cells = document.SelectNodes("//td[@class='text']")!.Cast<XmlNode>().Select(n => n.InnerText).ToList();
        Assert.Contains(HostileArchive.Script, cells);
        Assert.Contains(HostileArchive.Retitle, cells);
        Assert.Contains($"[file] {HostileArchive.FileCaption} {HostileArchive.FilePath}", cells);
        await AssertManifestMatchesAsync(dir);
    }

    /// <summary>
    /// Nothing in the output a terminal would act on: no C0 control but the line feeds between lines, no DEL, no C1
    /// (so no byte 0x1B, 0x07, nor U+009B), no line or paragraph separator, no bidi control, no lone surrogate.
    /// </summary>
    internal static void AssertTerminalSafe(string output)
    {
        var bytes = Encoding.UTF8.GetBytes(output);
        Assert.DoesNotContain((byte)0x1B, bytes);
        Assert.DoesNotContain((byte)0x07, bytes);
        for (var i = 0; i < output.Length; i++)
        {
            var c = output[i];
            if (char.IsHighSurrogate(c) && i + 1 < output.Length && char.IsLowSurrogate(output[i + 1]))
            {
                i++;
                continue;
            }
            var unsafeChar = c is (< ' ' and not '\n') or (>= '\u007F' and <= '\u009F') or '\u2028' or '\u2029'
                or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') || char.IsSurrogate(c);
            Assert.False(unsafeChar, $"U+{(int)c:X4} at {i} in: {output}");
        }
    }

    private async Task<string> ExportAsync(string format)
    {
        var dir = Path.Combine(_root, $"{format}-{Guid.NewGuid():N}");
        var result = await ProcessRunner.ArchiverAsync(archive.Environment(), "export", "--from", "2024-05-01", "--to", "2024-05-02",
            "--format", format, "--out", dir);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return dir;
    }

    /// <summary>The manifest names every file with its size and SHA-256 as written.</summary>
    private static async Task AssertManifestMatchesAsync(string dir)
    {
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "manifest.json")));
        foreach (var file in manifest.RootElement.GetProperty("files").EnumerateArray())
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(dir, file.GetProperty("name").GetString()!));
            Assert.Equal(bytes.Length, file.GetProperty("bytes").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), file.GetProperty("sha256").GetString());
        }
    }
}
