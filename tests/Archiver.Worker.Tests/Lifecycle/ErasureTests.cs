using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Lifecycle;
using Archiver.Testing;
using Archiver.Worker.Lifecycle;
using Archiver.Worker.Store.Verification;
using Archiver.Worker.Tests.Cli;

namespace Archiver.Worker.Tests.Lifecycle;

/// <summary>
/// Erasure (issue 14): a conversation's personal content leaves its events, conflicts, read models, search and any new
/// export; every event keeps its position and hash, so verify stays clean and names each redacted event; holds and
/// MustKeep rules refuse it. Each test has its own database.
/// </summary>
public sealed class ErasureTests
{
    private const string Request = "GDPR-2026-0117";

    [Fact]
    public async Task An_erasure_takes_the_personal_content_out_of_events_read_models_search_and_exports_and_verify_names_each_redacted_event()
    {
        await using var lifecycle = await LifecycleArchive.CreateAsync();
        var archive = lifecycle.Archive;
        var alpha = archive.Alpha;
        // Personal details in the conversation's metadata, which the configured participant fields name.
        await lifecycle.Store().AppendAsync([new NewEvent(ArchiveEventTypes.ConversationStream(alpha.Id), null, "ConversationObserved",
            """{"consumerProfile":{"firstName":"Jane","lastName":"Doe","email":"jane.doe@example.com","tier":"gold"}}""", null, "profile")]);
        await lifecycle.CheckpointAsync();
        var streams = DisposalTests.In([alpha.Id, alpha.Survey, ArchiveEventTypes.ConversationStream(alpha.Id)]);
        var bravoBefore = await BodiesAsync(archive, DisposalTests.In([archive.Bravo.Id]));
        var said = alpha.Messages.Select(m => m.Text).OfType<string>().Where(t => t.Length > 3).Append("Track parcel").Append("receipt-48213.png").ToList();

        var outcome = await lifecycle.Eraser().EraseAsync(alpha.Id, Request, CancellationToken.None);
        await lifecycle.CheckpointAsync();

        Assert.True(outcome.Done, outcome.Refusal);
        var bodies = await BodiesAsync(archive, streams);
        foreach (var text in said.Concat(["Jane", "Doe", "jane.doe@example.com", "HAS NOT ARRIVED", "one more thing"]))
        {
            Assert.DoesNotContain(bodies.Values, b => b.Contains(EscapedJson(text), StringComparison.Ordinal));
            Assert.Equal(0, await archive.ScalarAsync<long>(
                $"SELECT count(*) FROM archive.conflicts WHERE stream_id IN ({streams}) AND body::text LIKE '%' || {Literal(EscapedJson(text))} || '%'"));
        }
        Assert.Contains(bodies.Values, b => b.Contains("\"tier\":\"gold\"", StringComparison.Ordinal)); // not personal: kept
        Assert.Equal(bravoBefore, await BodiesAsync(archive, DisposalTests.In([archive.Bravo.Id])));

        // Read models, search (as analysts and compliance see it) and a new export.
        Assert.Equal(0, await archive.ScalarAsync<long>(
            $"SELECT count(*) FROM readmodel.transcript_messages WHERE conversation_id = '{alpha.Id}' AND (text <> '[erased]' OR file_path IS NOT NULL OR rich_content <> '\"[erased]\"'::jsonb)"));
        Assert.Equal(alpha.Messages.Count + 1, await archive.ScalarAsync<long>(
            $"SELECT count(*) FROM compliance.transcript_messages WHERE conversation_id = '{alpha.Id}' AND (text = '[erased]' OR rich_content = '\"[erased]\"'::jsonb)"));
        Assert.Equal(0, await archive.ScalarAsync<long>(
            $"SELECT count(*) FROM compliance.transcript_messages WHERE conversation_id = '{alpha.Id}' AND search @@ websearch_to_tsquery('simple', 'order 48213')"));
        Assert.Equal("[erased]", await archive.ScalarAsync<string>($"SELECT answer_text FROM readmodel.survey_answers WHERE conversation_id = '{alpha.Id}'"));
        var export = Path.Combine(Path.GetTempPath(), $"archiver-erased-{Guid.NewGuid():N}");
        try
        {
            var exported = await ProcessRunner.ArchiverAsync(archive.Environment(), "export", "--from", ExportCommandTests.From, "--to", ExportCommandTests.To, "--out", export);
            Assert.True(exported.ExitCode == 0, exported.StandardError);
            var lines = await File.ReadAllLinesAsync(Path.Combine(export, "conversations.jsonl"));
            var alphaLine = Assert.Single(lines, l => l.Contains(alpha.Id, StringComparison.Ordinal));
            Assert.All(said, text => Assert.DoesNotContain(EscapedJson(text), alphaLine, StringComparison.Ordinal));
            Assert.Contains("The refund is issued", lines.Single(l => l.Contains(archive.Bravo.Id, StringComparison.Ordinal)), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(export))
                Directory.Delete(export, recursive: true);
        }

        // Verify: clean, and it names every redacted event; the checkpoints taken before and after still hold.
        var plain = await lifecycle.VerifyAsync();
        Assert.True(plain.Intact, string.Join("; ", plain.Findings));
        var changed = await DisposalTests.ListAsync<long>(archive,
            $"SELECT global_position FROM archive.events WHERE stream_id IN ({streams}) AND body::text LIKE '%[erased]%' ORDER BY 1");
        Assert.Equal(changed, plain.Redactions.Select(r => r.GlobalPosition).Order());
        Assert.Equal(outcome.Events, changed.Count);
        Assert.All(plain.Redactions, r => Assert.Equal((Request, outcome.Certificate!.Value), (r.Request, r.Certificate)));
        Assert.Empty(await lifecycle.VerifyCheckpointsAsync());

        // The read models follow the redacted events: a rebuild from them gives exactly what the erasure left.
        const string Rows = "SELECT dialog_id || '/' || sequence || '|' || coalesce(text, '-') || '|' || coalesce(file_path, '-') || '|' || coalesce(rich_content::text, '-') " +
            "FROM readmodel.transcript_messages ORDER BY dialog_id, sequence";
        var live = await DisposalTests.ListAsync<string>(archive, Rows);
        await new Archiver.Worker.Projections.ProjectionRebuilder(archive.DataSource,
            [new Archiver.Worker.Projections.TranscriptProjection(), new Archiver.Worker.Projections.ReadModelsProjection(), new Archiver.Worker.Projections.AgentsProjection()],
            TimeProvider.System).RebuildAsync(null, CancellationToken.None);
        Assert.Equal(live, await DisposalTests.ListAsync<string>(archive, Rows));

        var statement = CertificateStatement.Parse(await archive.ScalarAsync<string>("SELECT statement FROM archive.certificates"))!;
        Assert.Equal((CertificateStatement.Erasure, alpha.Id, Request), (statement.Kind, statement.ConversationId, statement.Basis["request"]));
        Assert.Equal(changed, statement.Events.Select(e => e.GlobalPosition).Order());
        Assert.Single(statement.Rows); // the conflict's body
    }

    [Fact]
    public async Task A_redacted_event_edited_afterwards_is_tampering()
    {
        await using var lifecycle = await LifecycleArchive.CreateAsync();
        var archive = lifecycle.Archive;
        Assert.True((await lifecycle.Eraser().EraseAsync(archive.Alpha.Id, Request, CancellationToken.None)).Done);
        await archive.ExecuteAsync(
            $"""
            ALTER TABLE archive.events DISABLE TRIGGER events_append_only;
            UPDATE archive.events SET body = replace(body::text, '[erased]', 'put back')::json
            WHERE stream_id = '{archive.Alpha.Id}' AND position = 0;
            ALTER TABLE archive.events ENABLE TRIGGER events_append_only;
            """);

        var plain = await lifecycle.VerifyAsync();

        var finding = Assert.Single(plain.Findings);
        Assert.Equal((FindingKind.ContentChanged, archive.Alpha.Id, 0L), (finding.Kind, finding.StreamId, finding.Position));
        Assert.Contains($"redacted under {Request}", finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erasure_is_refused_under_a_legal_hold_and_while_a_MustKeep_rule_keeps_the_conversation_and_nothing_changes()
    {
        await using var lifecycle = await LifecycleArchive.CreateAsync();
        var archive = lifecycle.Archive;
        var before = await BodiesAsync(archive, DisposalTests.In([archive.Alpha.Id, archive.Bravo.Id]));
        var hold = await lifecycle.Holds().CreateAsync("C-9", "subpoena", new HoldScope([archive.Alpha.Id], [], [], null, null, null), CancellationToken.None);
        lifecycle.Retention.Rules.Add(new RetentionRule { Name = "broker-dealer", Days = 6 * 365, Skills = ["1089636032"], MustKeep = true });

        var held = await lifecycle.Eraser().EraseAsync(archive.Alpha.Id, Request, CancellationToken.None);
        var kept = await lifecycle.Eraser().EraseAsync(archive.Bravo.Id, Request, CancellationToken.None);

        Assert.Equal($"under legal hold: hold {hold} (case C-9)", held.Refusal);
        Assert.Equal($"retention rule 'broker-dealer' (MustKeep) keeps it until {archive.Bravo.End!.Value.AddDays(6 * 365):yyyy-MM-dd}", kept.Refusal);
        Assert.Equal(before, await BodiesAsync(archive, DisposalTests.In([archive.Alpha.Id, archive.Bravo.Id])));
        Assert.Equal(0, await archive.ScalarAsync<long>("SELECT count(*) FROM archive.certificates"));
        Assert.Equal([held.Refusal!, kept.Refusal!], await DisposalTests.ListAsync<string>(archive,
            $"SELECT body->>'reason' FROM archive.events WHERE stream_id = 'admin:archive' AND type = 'ErasureRefused' AND body->>'request' = '{Request}' ORDER BY position"));

        // Once the rule's period is over, the erasure goes ahead.
        lifecycle.Clock.SetUtcNow(archive.Bravo.End!.Value.AddDays(6 * 365 + 1));
        Assert.True((await lifecycle.Eraser().EraseAsync(archive.Bravo.Id, Request, CancellationToken.None)).Done);
    }

    private static async Task<Dictionary<long, string>> BodiesAsync(ComplianceArchive archive, string streams)
    {
        await using var command = archive.DataSource.CreateCommand($"SELECT global_position, body::text FROM archive.events WHERE stream_id IN ({streams})");
        await using var reader = await command.ExecuteReaderAsync();
        var bodies = new Dictionary<long, string>();
        while (await reader.ReadAsync())
            bodies[reader.GetInt64(0)] = reader.GetString(1);
        return bodies;
    }

    /// <summary>How a text appears inside stored JSON (quotes and line breaks escaped).</summary>
    private static string EscapedJson(string text) => System.Text.Json.JsonSerializer.Serialize(text)[1..^1];

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
