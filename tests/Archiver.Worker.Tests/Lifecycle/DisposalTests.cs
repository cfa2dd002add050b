using Archiver.Domain.Archive;
using Archiver.Domain.Lifecycle;
using Archiver.Worker.Lifecycle;
using Archiver.Worker.Store.Verification;
using Archiver.Worker.Tests.Cli;
using Npgsql;

namespace Archiver.Worker.Tests.Lifecycle;

/// <summary>
/// Disposal (issue 14): one controlled path removes everything of a closed conversation under a certificate that names
/// it all, and verify — plain and against checkpoints taken before and after — stays clean; the same removal by hand,
/// or any removal without its certificate, is refused or reported as tampering. Each test has its own database.
/// </summary>
public sealed class DisposalTests
{
    private static readonly Dictionary<string, string> Basis = new(StringComparer.Ordinal) { ["rule"] = "test", ["days"] = "30" };

    [Fact]
    public async Task A_disposal_removes_every_trace_of_the_conversation_states_it_all_and_leaves_verify_and_the_checkpoints_clean()
    {
        await using var lifecycle = await LifecycleArchive.CreateAsync();
        var archive = lifecycle.Archive;
        var alpha = archive.Alpha;
        await lifecycle.CheckpointAsync();
        // A conflict after the checkpoint and before the disposal: no checkpoint ever digests it.
        await lifecycle.Store().AppendAsync([Archiver.Worker.Tests.Store.Events.Content(alpha.Id, 1, "not what was said")]);

        var streams = new[] { alpha.Id, alpha.Survey, ArchiveEventTypes.ConversationStream(alpha.Id) };
        var before = await StreamsAsync(archive, streams);
        var positions = await ListAsync<long>(archive, $"SELECT global_position FROM archive.events WHERE stream_id IN ({In(streams)}) ORDER BY 1");
        var conflicts = await ListAsync<long>(archive, $"SELECT conflict_id FROM archive.conflicts WHERE stream_id IN ({In(streams)}) ORDER BY 1");
        var rejections = await ListAsync<long>(archive, $"SELECT rejection_id FROM archive.rejections WHERE stream_id IN ({In(streams)}) ORDER BY 1");
        var others = await CountsAsync(archive, archive.Bravo.Id);
        Assert.Equal(3, before.Count);
        Assert.Equal(2, conflicts.Count);
        Assert.Single(rejections);

        var outcome = await lifecycle.Disposer().DisposeAsync(alpha.Id, Basis, CancellationToken.None);
        await lifecycle.CheckpointAsync();

        Assert.True(outcome.Done, outcome.Refusal);
        Assert.Equal(positions.Count, outcome.Events);
        Assert.Empty(await StreamsAsync(archive, streams));
        Assert.Equal(0, await archive.ScalarAsync<long>($"SELECT count(*) FROM archive.events WHERE stream_id IN ({In(streams)})"));
        Assert.Equal(0, await archive.ScalarAsync<long>($"SELECT count(*) FROM archive.conflicts WHERE stream_id IN ({In(streams)})"));
        Assert.Equal(0, await archive.ScalarAsync<long>($"SELECT count(*) FROM archive.rejections WHERE stream_id IN ({In(streams)})"));
        Assert.Equal(1, await archive.ScalarAsync<long>("SELECT count(*) FROM archive.rejections WHERE stage = 'frame'")); // nobody's: kept
        Assert.All((await CountsAsync(archive, alpha.Id)).Values, count => Assert.Equal(0, count));
        Assert.Equal(others, await CountsAsync(archive, archive.Bravo.Id));

        // The certificate states exactly what was there.
        var statement = CertificateStatement.Parse(await archive.ScalarAsync<string>("SELECT statement FROM archive.certificates WHERE certificate_id = 1"))!;
        Assert.Equal((1L, CertificateStatement.Disposal, alpha.Id, "test"), (statement.Number, statement.Kind, statement.ConversationId, statement.Basis["rule"]));
        Assert.Equal(before.Select(b => (b.Key, b.Value.Events, b.Value.Position, Convert.ToHexStringLower(b.Value.Head))).Order(),
            statement.Streams.Select(s => (s.StreamId, s.Events, s.Position, Convert.ToHexStringLower(s.HeadHash))).Order());
        Assert.Equal(positions, statement.Events.Select(e => e.GlobalPosition).Order());
        Assert.Equal(conflicts.Select(id => ("conflicts", id)).Concat(rejections.Select(id => ("rejections", id))).Order(),
            statement.Rows.Select(r => (r.Table, r.RowId)).Order());
        Assert.Equal(alpha.Messages.Count + 1, statement.ReadModelRows["readmodel.transcript_messages"]); // and the late one
        Assert.Equal(1, statement.ReadModelRows["readmodel.conversations"]);

        var plain = await lifecycle.VerifyAsync();
        Assert.True(plain.Intact, string.Join("; ", plain.Findings));
        Assert.Equal(positions.Count, plain.Disposed);
        Assert.Empty(await lifecycle.VerifyCheckpointsAsync());
    }

    [Fact]
    public async Task The_same_removal_done_by_hand_is_reported_as_tampering()
    {
        await using var lifecycle = await LifecycleArchive.CreateAsync();
        var archive = lifecycle.Archive;
        await lifecycle.CheckpointAsync();
        var streams = In([archive.Alpha.Id, archive.Alpha.Survey, ArchiveEventTypes.ConversationStream(archive.Alpha.Id)]);
        await archive.ExecuteAsync(
            $"""
            ALTER TABLE archive.events DISABLE TRIGGER events_append_only;
            ALTER TABLE archive.conflicts DISABLE TRIGGER conflicts_append_only;
            ALTER TABLE archive.rejections DISABLE TRIGGER rejections_append_only;
            DELETE FROM archive.events WHERE stream_id IN ({streams});
            DELETE FROM archive.conflicts WHERE stream_id IN ({streams});
            DELETE FROM archive.rejections WHERE stream_id IN ({streams});
            DELETE FROM archive.streams WHERE stream_id IN ({streams});
            DELETE FROM readmodel.transcript_messages WHERE conversation_id = '{archive.Alpha.Id}';
            DELETE FROM readmodel.conversations WHERE conversation_id = '{archive.Alpha.Id}';
            ALTER TABLE archive.events ENABLE TRIGGER events_append_only;
            ALTER TABLE archive.conflicts ENABLE TRIGGER conflicts_append_only;
            ALTER TABLE archive.rejections ENABLE TRIGGER rejections_append_only;
            """);

        var plain = await lifecycle.VerifyAsync();
        var checkpoints = await lifecycle.VerifyCheckpointsAsync();

        Assert.Contains(plain.Findings, f => f.Kind == FindingKind.GlobalPositionGap);
        Assert.Contains(checkpoints, f => f.Kind is FindingKind.StreamHeadsDiffer or FindingKind.LogTruncated); // Alpha's event was the last
        Assert.Contains(checkpoints, f => f.Kind == FindingKind.ConflictsDiffer);
        Assert.Contains(checkpoints, f => f.Kind == FindingKind.RejectionsDiffer);
    }

    [Fact]
    public async Task No_event_or_row_can_be_removed_without_a_certificate_of_the_same_transaction_even_by_a_superuser()
    {
        await using var lifecycle = await LifecycleArchive.CreateAsync();
        var archive = lifecycle.Archive;
        var bravo = archive.Bravo.Id;

        var plain = await Assert.ThrowsAsync<PostgresException>(() => archive.ExecuteAsync($"DELETE FROM archive.events WHERE stream_id = '{bravo}'"));
        Assert.Equal("42501", plain.SqlState);
        Assert.Contains("only a lifecycle operation with its certificate", plain.MessageText, StringComparison.Ordinal);

        // A certificate issued by another transaction does not open the path: its rows named afterwards change nothing.
        Assert.True((await lifecycle.Disposer().DisposeAsync(archive.Alpha.Id, Basis, CancellationToken.None)).Done);
        var reused = await Assert.ThrowsAsync<PostgresException>(() => archive.ExecuteAsync(
            $"""
            BEGIN;
            INSERT INTO archive.certified_events (global_position, action, certificate_id, stream_id, position, hash)
            SELECT global_position, 'disposed', 1, stream_id, position, hash FROM archive.events WHERE stream_id = '{bravo}';
            DELETE FROM archive.events WHERE stream_id = '{bravo}';
            COMMIT;
            """));
        Assert.Equal("42501", reused.SqlState);
        await archive.ExecuteAsync("ROLLBACK");
        var update = await Assert.ThrowsAsync<PostgresException>(() => archive.ExecuteAsync(
            $"UPDATE archive.events SET body = '{{}}'::json WHERE stream_id = '{bravo}'"));
        Assert.Equal("42501", update.SqlState);
        Assert.True((await lifecycle.VerifyAsync()).Intact);
    }

    [Fact]
    public async Task A_held_conversation_is_kept_one_archived_later_inside_the_scope_is_held_from_the_start_and_a_release_stays_listed()
    {
        await using var lifecycle = await LifecycleArchive.CreateAsync();
        var archive = lifecycle.Archive;
        var holds = lifecycle.Holds();
        var window = new HoldScope([], [], [], ComplianceArchive.WindowTo.AddDays(10), ComplianceArchive.WindowTo.AddDays(20), null);
        var byConsumer = await holds.CreateAsync("C-1", "litigation", new HoldScope([], [archive.Bravo.Consumer], [], null, null, null), CancellationToken.None);
        var future = await holds.CreateAsync("C-2", "regulator's inquiry", window, CancellationToken.None);

        var refused = await lifecycle.Disposer().DisposeAsync(archive.Bravo.Id, Basis, CancellationToken.None);
        Assert.False(refused.Done);
        Assert.Equal($"under legal hold: hold {byConsumer} (case C-1)", refused.Refusal);
        Assert.Equal(1, await archive.ScalarAsync<long>($"SELECT count(*) FROM readmodel.conversations WHERE conversation_id = '{archive.Bravo.Id}'"));

        // Archived after the hold was placed, inside its window: held from the moment it exists.
        var delta = new ScriptedConversation(ComplianceArchive.WindowTo.AddDays(15));
        delta.Observe("OPEN", "OPEN", null, [(delta.Consumer, "CONSUMER"), (delta.Agent1, "ASSIGNED_AGENT")], mainOpen: true);
        delta.Say(delta.Id, delta.Consumer, "CONSUMER", "A new question");
        delta.Observe("CLOSE", "CLOSE", "CONSUMER", [(delta.Consumer, "CONSUMER"), (delta.Agent1, "ASSIGNED_AGENT")], mainOpen: false);
        foreach (var step in delta.Steps)
            await lifecycle.Store().AppendAsync(step);
        Assert.False((await lifecycle.Disposer().DisposeAsync(delta.Id, Basis, CancellationToken.None)).Done);
        Assert.False((await lifecycle.Eraser().EraseAsync(delta.Id, "REQ-1", CancellationToken.None)).Done);

        await holds.ReleaseAsync(byConsumer, "case settled", CancellationToken.None);
        var listed = await holds.ListAsync(CancellationToken.None);
        Assert.Equal([byConsumer, future], listed.Select(h => h.HoldId));
        var released = listed[0];
        Assert.Equal(("C-1", "litigation", false, "case settled", 0L), (released.CaseId, released.Reason, released.Active, released.ReleaseReason, released.Conversations));
        Assert.Equal(await archive.ScalarAsync<string>("SELECT current_user::text"), released.ReleasedBy);
        Assert.Equal(lifecycle.Clock.GetUtcNow(), released.ReleasedAt);
        Assert.Equal((true, 1L), (listed[1].Active, listed[1].Conversations));
        Assert.Equal(["HoldCreated", "HoldCreated", "ErasureRefused", "HoldReleased"],
            await ListAsync<string>(archive, "SELECT type FROM archive.events WHERE stream_id = 'admin:archive' ORDER BY position"));

        Assert.True((await lifecycle.Disposer().DisposeAsync(archive.Bravo.Id, Basis, CancellationToken.None)).Done);
        Assert.False((await lifecycle.Disposer().DisposeAsync(delta.Id, Basis, CancellationToken.None)).Done);
        var released2 = await Assert.ThrowsAsync<InvalidOperationException>(() => holds.ReleaseAsync(byConsumer, "again", CancellationToken.None));
        Assert.Equal($"hold {byConsumer} was already released", released2.Message);
    }

    internal static string In(IEnumerable<string> ids) => string.Join(", ", ids.Select(i => $"'{i}'"));

    internal static async Task<List<T>> ListAsync<T>(Archiver.Testing.PostgresDatabase archive, string sql)
    {
        await using var command = archive.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
            values.Add(reader.GetFieldValue<T>(0));
        return values;
    }

    private static async Task<Dictionary<string, (long Events, long Position, byte[] Head)>> StreamsAsync(ComplianceArchive archive, string[] streams)
    {
        await using var command = archive.DataSource.CreateCommand($"SELECT stream_id, event_count, max_position, head_hash FROM archive.streams WHERE stream_id IN ({In(streams)})");
        await using var reader = await command.ExecuteReaderAsync();
        var found = new Dictionary<string, (long, long, byte[])>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
            found[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<byte[]>(3));
        return found;
    }

    /// <summary>A conversation's rows in every read model.</summary>
    internal static async Task<Dictionary<string, long>> CountsAsync(ComplianceArchive archive, string conversation)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in new[] { "conversations", "transcript_messages", "participants", "dialogs", "csat_results", "survey_answers" })
            counts[table] = await archive.ScalarAsync<long>($"SELECT count(*) FROM readmodel.{table} WHERE conversation_id = '{conversation}'");
        counts["read_receipts"] = await archive.ScalarAsync<long>(
            $"SELECT count(*) FROM readmodel.read_receipts r JOIN readmodel.dialogs d USING (dialog_id) WHERE d.conversation_id = '{conversation}'");
        return counts;
    }
}
