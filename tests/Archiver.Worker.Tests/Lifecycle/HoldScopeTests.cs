using Archiver.Testing;
using Archiver.Worker.Lifecycle;

namespace Archiver.Worker.Tests.Lifecycle;

/// <summary>
/// What each kind of hold scope holds (issue 14), placed with the command an officer runs: words said, an agent who took
/// part, a window of start times, a consumer, a conversation — and every criterion together. The test's own database.
/// </summary>
public sealed class HoldScopeTests
{
    [Fact]
    public async Task Each_scope_holds_exactly_the_conversations_it_names_and_criteria_combine()
    {
        await using var lifecycle = await LifecycleArchive.CreateAsync();
        var archive = lifecycle.Archive;
        var (alpha, bravo, charlie) = (archive.Alpha, archive.Bravo, archive.Charlie);
        var owner = archive.Environment();

        async Task<List<string>> HeldByAsync(params string[] scope)
        {
            var created = await ProcessRunner.ArchiverAsync(owner, ["holds", "create", "--case", "C-1", "--reason", "test", .. scope]);
            Assert.True(created.ExitCode == 0, created.StandardError);
            var id = long.Parse(created.StandardOutput.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            return (await DisposalTests.ListAsync<string>(archive, $"SELECT conversation_id FROM archive.held_conversations WHERE hold_id = {id}"))
                .Order(StringComparer.Ordinal).ToList();
        }
        static List<string> Of(params string[] ids) => [.. ids.Order(StringComparer.Ordinal)];

        Assert.Equal(Of(bravo.Id), await HeldByAsync("--query", "refund"));                           // "The refund is issued"
        Assert.Equal(Of(alpha.Id), await HeldByAsync("--agent", alpha.Agent2));                        // joined after the transfer
        Assert.Equal(Of(alpha.Id, bravo.Id), await HeldByAsync("--from", "2024-05-01", "--to", "2024-05-02"));
        Assert.Equal(Of(charlie.Id), await HeldByAsync("--consumer", charlie.Consumer));
        Assert.Equal(Of(alpha.Id, charlie.Id), await HeldByAsync("--conversation", alpha.Id, "--conversation", charlie.Id));
        Assert.Equal(Of(alpha.Id), await HeldByAsync("--conversation", alpha.Id, "--conversation", charlie.Id, "--from", "2024-05-01"));
        Assert.Empty(await HeldByAsync("--query", "refund", "--agent", alpha.Agent2));

        var refused = await ProcessRunner.ArchiverAsync(owner, "holds", "create", "--case", "C-2", "--reason", "nothing");
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("archiver holds create: a hold needs a scope: --conversation, --consumer, --agent, --from/--to or --query", refused.StandardError.Trim());
        var list = await ProcessRunner.ArchiverAsync(owner, "holds", "list");
        Assert.Equal(7, list.StandardOutput.Split('\n').Count(l => l.StartsWith("hold ", StringComparison.Ordinal)));
    }
}
