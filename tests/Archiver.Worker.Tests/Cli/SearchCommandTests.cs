using System.Text.Json;
using Archiver.Testing;

namespace Archiver.Worker.Tests.Cli;

/// <summary><c>archiver search</c> run as a process against a seeded archive.</summary>
public sealed class SearchCommandTests(ComplianceArchive archive) : IClassFixture<ComplianceArchive>
{
    [Fact]
    public async Task A_word_finds_the_conversation_that_holds_it_with_a_marked_snippet()
    {
        var result = await ProcessRunner.ArchiverAsync(archive.Environment(), "search", "parcel");

        Assert.True(result.ExitCode == 0, result.StandardError);
        var line = Assert.Single(result.StandardOutput.Trim().Split('\n'));
        Assert.StartsWith($"{archive.Alpha.Id}  {archive.Alpha.Start:yyyy-MM-dd HH:mm:ss}     1 hit(s)  ", line, StringComparison.Ordinal);
        Assert.Contains("«parcel»", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_absent_word_finds_nothing()
    {
        var text = await ProcessRunner.ArchiverAsync(archive.Environment(), "search", "zebra");
        var json = await ProcessRunner.ArchiverAsync(archive.Environment(), "search", "zebra", "--format", "json");

        Assert.Equal(0, text.ExitCode);
        Assert.Equal("no conversation matches zebra", text.StandardOutput.Trim());
        Assert.Equal(0, json.ExitCode);
        Assert.Equal("[]", json.StandardOutput.Trim());
    }

    [Fact]
    public async Task Json_lists_every_matching_conversation_latest_first_and_the_window_narrows_it()
    {
        var all = await SearchAsync("delivery address");
        var window = await SearchAsync("delivery address", "--from", "2024-05-01", "--to", "2024-05-02");
        var phrase = await SearchAsync("\"order #48213\" -refund");

        Assert.Equal([archive.Alpha.Id, archive.Charlie.Id], all.Select(h => h.GetProperty("conversationId").GetString()));
        Assert.Equal(archive.Alpha.Start, all[0].GetProperty("startTs").GetDateTimeOffset());
        Assert.Equal(1, all[0].GetProperty("hits").GetInt64());
        Assert.Contains("«delivery» «address»", all[0].GetProperty("snippet").GetString(), StringComparison.Ordinal);
        Assert.Equal([archive.Alpha.Id], window.Select(h => h.GetProperty("conversationId").GetString()));
        Assert.Equal([archive.Alpha.Id], phrase.Select(h => h.GetProperty("conversationId").GetString()));
    }

    [Fact]
    public async Task The_limit_keeps_the_latest_conversations()
    {
        var hits = await SearchAsync("order OR invoice", "--limit", "2");

        Assert.Equal([archive.Bravo.Id, archive.Alpha.Id], hits.Select(h => h.GetProperty("conversationId").GetString()));
    }

    [Fact]
    public async Task Words_with_nothing_to_search_for_fail_with_one_line()
    {
        var result = await ProcessRunner.ArchiverAsync(archive.Environment(), "search", " -- ");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("archiver search: ", Assert.Single(result.StandardError.Trim().Split('\n')), StringComparison.Ordinal);
    }

    private async Task<List<JsonElement>> SearchAsync(params string[] arguments)
    {
        var result = await ProcessRunner.ArchiverAsync(archive.Environment(), ["search", .. arguments, "--format", "json"]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
