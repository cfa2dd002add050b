using Archiver.Testing;
using Archiver.Worker.Store.Verification;

namespace Archiver.Worker.Tests.Store.Verification;

/// <summary>
/// Tampering as a superuser who deliberately bypasses the append-only trigger (session_replication_role = replica)
/// is caught by the hash chain, and verify names the (stream, position).
/// </summary>
public sealed class VerifyTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private async Task<string> ArchiveDialogAsync(int events = 5)
    {
        var dialog = Guid.NewGuid().ToString();
        await database.CreateStore().AppendAsync(Enumerable.Range(0, events).Select(i => Events.Content(dialog, i, $"message {i}")).ToList());
        return dialog;
    }

    private Task AsSuperuserBypassingTriggersAsync(string sql) =>
        database.ExecuteAsync($"SET session_replication_role = replica; {sql}; SET session_replication_role = origin;");

    private async Task<IReadOnlyList<VerificationFinding>> FindingsForAsync(string dialog) =>
        (await database.CreateVerifier().VerifyAsync()).Findings.Where(f => f.StreamId == dialog).ToList();

    [Fact]
    public async Task An_untouched_archive_is_intact()
    {
        var dialog = await ArchiveDialogAsync();

        Assert.Empty(await FindingsForAsync(dialog));
    }

    [Fact]
    public async Task An_edited_message_is_named_by_stream_and_position()
    {
        var dialog = await ArchiveDialogAsync();

        await AsSuperuserBypassingTriggersAsync(
            $"UPDATE archive.events SET body = replace(body::text, 'message 3', 'message three')::json WHERE stream_id = '{dialog}' AND position = 3");

        var finding = Assert.Single(await FindingsForAsync(dialog));
        Assert.Equal((FindingKind.ContentChanged, dialog, 3L), (finding.Kind, finding.StreamId!, finding.Position!.Value));
    }

    [Fact]
    public async Task An_edit_that_also_recomputes_the_row_hash_still_breaks_the_chain_at_the_next_event()
    {
        var dialog = await ArchiveDialogAsync();

        await AsSuperuserBypassingTriggersAsync(
            $"UPDATE archive.events SET hash = sha256(hash) WHERE stream_id = '{dialog}' AND position = 1");

        var findings = await FindingsForAsync(dialog);
        Assert.Contains(findings, f => f.Kind == FindingKind.ContentChanged && f.Position == 1);
        Assert.Contains(findings, f => f.Kind == FindingKind.ChainBroken && f.Position == 2);
    }

    [Fact]
    public async Task A_removed_event_is_found_through_the_chain_and_the_global_order()
    {
        var dialog = await ArchiveDialogAsync();
        var removed = await database.ScalarAsync<long>($"SELECT global_position FROM archive.events WHERE stream_id = '{dialog}' AND position = 2");

        await AsSuperuserBypassingTriggersAsync($"DELETE FROM archive.events WHERE stream_id = '{dialog}' AND position = 2");

        var findings = (await database.CreateVerifier().VerifyAsync()).Findings;
        Assert.Contains(findings, f => f.Kind == FindingKind.ChainBroken && f.StreamId == dialog && f.Position == 3);
        Assert.Contains(findings, f => f.Kind == FindingKind.GlobalPositionGap && f.GlobalPosition == removed);
        Assert.Contains(findings, f => f.Kind == FindingKind.StreamHeadMismatch && f.StreamId == dialog);
    }

    [Fact]
    public async Task Swapping_two_events_order_is_found()
    {
        var dialog = await ArchiveDialogAsync();

        await AsSuperuserBypassingTriggersAsync(
            $"""
            UPDATE archive.events SET global_position = -global_position WHERE stream_id = '{dialog}' AND position IN (0, 1);
            UPDATE archive.events SET global_position = CASE position
                WHEN 0 THEN (SELECT -global_position FROM archive.events WHERE stream_id = '{dialog}' AND position = 1)
                ELSE (SELECT -global_position FROM archive.events WHERE stream_id = '{dialog}' AND position = 0) END
              WHERE stream_id = '{dialog}' AND position IN (0, 1)
            """);

        var findings = await FindingsForAsync(dialog);
        Assert.Contains(findings, f => f.Kind == FindingKind.ContentChanged && f.Position == 0);
        Assert.Contains(findings, f => f.Kind == FindingKind.ChainBroken && f.Position is 0 or 1);
    }

    [Fact]
    public async Task The_verify_command_names_the_edited_row_and_exits_2()
    {
        var dialog = await ArchiveDialogAsync();
        await AsSuperuserBypassingTriggersAsync(
            $"UPDATE archive.events SET server_ts = server_ts + interval '1 second' WHERE stream_id = '{dialog}' AND position = 4");

        var result = await ProcessRunner.ArchiverAsync(
            new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = database.ConnectionString }, "verify");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"ContentChanged at ({dialog}, 4)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("NOT intact", result.StandardOutput, StringComparison.Ordinal);
    }
}
