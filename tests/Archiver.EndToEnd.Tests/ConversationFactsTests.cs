using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Archiver.Domain.Events;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;
using Archiver.Worker.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace Archiver.EndToEnd.Tests;

/// <summary>
/// The facts the worker derives from conversation states (ConversationOpened, ParticipantJoined/Left, DialogClosed,
/// CsatSubmitted, ConversationClosed, …) against the facts the simulator's state versions imply, fact by fact — and
/// <c>readmodel.participants</c> and the documented transfer query against the transfers the simulator performed.
/// </summary>
public sealed class ConversationFactsTests
{
    private const int Consumers = 40;
    private const int ConversationsEach = 3;

    /// <summary>
    /// The reported bug: a conversation closed for good and rated at once (legacy CSAT), some transferred before, while
    /// the writer lags — the CSAT must add a CsatSubmitted and nothing else (no second ConversationClosed, no transfer
    /// replayed after the end).
    /// </summary>
    [Fact]
    public async Task A_rating_right_after_the_close_adds_only_the_rating_while_the_writer_lags()
    {
        await using var run = await EndToEndRun.StartAsync(Consumers, new SimulatorSettings { Seed = 404 }, environment =>
        {
            // A batch closes 1 s after its first item (100,000 events are never reached here): every state is still
            // waiting to be written when the next one of its conversation arrives.
            environment["Ingestion__MaxBatchDelayMs"] = "1000";
            environment["Ingestion__MaxBatchEvents"] = "100000";
            environment["Logging__LogLevel__Default"] = "Information"; // 40 consumers at Debug only slow the run down
        });
        run.StartWorker();
        await run.ConsumersConnectedAsync(TimeSpan.FromSeconds(90));
        var consumers = (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers"))!
            .Where(c => c!["connections"]!.GetValue<int>() > 0).Select(c => c!["consumerId"]!.GetValue<string>()).ToList();
        Assert.Equal(Consumers, consumers.Count);

        // Every consumer at once, each step as soon as the one before it is answered.
        var played = await Task.WhenAll(consumers.Select((consumer, i) => PlayAsync(run, consumer, i)));

        await run.EverythingArchivedAsync(TimeSpan.FromMinutes(2));
        var truth = await run.GroundTruthAsync();
        Assert.Equal(Consumers * ConversationsEach, truth.Conversations.Count);
        Assert.All(truth.Conversations, c => Assert.Equal("CLOSE", TrueState.Read(c.States[^1]).Stage));
        Assert.All(truth.Conversations, c => Assert.NotNull(TrueState.Read(c.States[^1]).Csat));
        // The ground truth's transfers are the ones played (so the comparison below counts the right thing).
        Assert.Equal(played.Sum(), ParticipantsComparison.ExpectedTransfers(truth).Count);

        var report = await run.FactsReportAsync(truth) + await run.ParticipantsReportAsync(truth);
        Assert.True(report.Length == 0, report);
        Assert.Equal(0, await ArchiveComparison.CountAsync(run.Archive, "SELECT count(*) FROM archive.conflicts"));
        Assert.False(run.Worker!.HasExited, run.Tail());
    }

    /// <summary>
    /// The comparison can fail: on an archive that matches, one fact event appended a second time (as the bug did) is
    /// reported by the exact comparison and by the invariants, and one participants row more is reported with the
    /// transfer it adds.
    /// </summary>
    [Fact]
    public async Task A_fact_archived_twice_is_reported_by_every_comparison()
    {
        await using var run = await EndToEndRun.StartAsync(1, new SimulatorSettings { Seed = 405 }, modes: ["Unauthenticated"]);
        run.StartWorker();
        await run.ConsumersConnectedAsync();
        var consumer = (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers"))![0]!["consumerId"]!.GetValue<string>();
        var id = (await run.PostAsync($"/control/consumers/{consumer}/conversations", new { }))["conversationId"]!.GetValue<string>();
        await run.PostAsync($"/control/conversations/{id}/messages", new { @as = "consumer", text = "Hello" });
        await run.PostAsync($"/control/conversations/{id}/accept", new { agentName = "Alice Martin" });
        await run.PostAsync($"/control/conversations/{id}/participants", new { action = "transfer", agentName = "Bob Chen" });
        await run.PostAsync($"/control/conversations/{id}/close", new { by = "AGENT", survey = false }); // no CSAT after it: nothing for the bug to replay

        await run.EverythingArchivedAsync(TimeSpan.FromMinutes(1));
        var truth = await run.GroundTruthAsync();
        Assert.Single(ParticipantsComparison.ExpectedTransfers(truth));
        await run.AssertFactsAndParticipantsExactAsync(truth);
        Assert.Empty(await ArchiveComparison.DifferencesAsync(run.Archive, truth, FactCheck.Invariants));

        // The bug's footprint: the transfer's join and the close appended again, from a later observation's key.
        var stream = "conversation:" + id;
        var again = new List<NewEvent>();
        await using (var command = run.Archive.CreateCommand(
                         "SELECT type, body::text FROM archive.events WHERE stream_id = $1 AND type IN ('ParticipantJoined', 'ConversationClosed') ORDER BY position"))
        {
            command.Parameters.AddWithValue(stream);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var (type, body) = (reader.GetString(0), reader.GetString(1));
                if (type == "ConversationClosed" || body.Contains("\"ASSIGNED_AGENT\"", StringComparison.Ordinal))
                    again.Add(new NewEvent(stream, null, type, body, null, $"tampered/{again.Count}"));
            }
        }
        Assert.Equal(3, again.Count); // Alice joins, Bob joins, closed
        using var meters = new Meters();
        var store = new PostgresEventStore(run.Archive, [], TimeProvider.System, new StoreMetrics(meters), NullLogger<PostgresEventStore>.Instance);
        Assert.Equal(3, (await store.AppendAsync(again.Skip(1).Append(again[0]).ToList())).Appended);

        var exact = await ArchiveComparison.DifferencesAsync(run.Archive, truth, FactCheck.Exact);
        Assert.Equal(3, exact.Count);
        Assert.All(exact, d => Assert.Contains("archived 2× (expected 1×)", d, StringComparison.Ordinal));
        Assert.Contains(exact, d => d.Contains("ConversationClosed(", StringComparison.Ordinal));
        Assert.Equal(exact, await ArchiveComparison.DifferencesAsync(run.Archive, truth)); // every state archived in order: Auto is exact

        var invariants = await ArchiveComparison.DifferencesAsync(run.Archive, truth, FactCheck.Invariants);
        Assert.Contains(invariants, d => d.Contains("joined again without having left", StringComparison.Ordinal));
        Assert.Contains(invariants, d => d.EndsWith("closed 2× (at most once)", StringComparison.Ordinal));
        Assert.Contains(invariants, d => d.Contains("after the last fact the participants are", StringComparison.Ordinal));

        // readmodel.participants: a row held twice is reported; the transfers view (issue 12) still counts the one handover.
        Assert.Equal("", await run.ParticipantsReportAsync(truth)); // appended without projections: the read model is untouched so far
        await using (var duplicate = run.Archive.CreateCommand(
                         """
                         INSERT INTO readmodel.participants (global_position, conversation_id, participant_id, role, change, at)
                         SELECT -global_position, conversation_id, participant_id, role, change, at FROM readmodel.participants
                         WHERE conversation_id = $1 AND change = 'LEFT'
                         """))
        {
            duplicate.Parameters.AddWithValue(id);
            Assert.Equal(1, await duplicate.ExecuteNonQueryAsync());
        }
        var participants = await run.ParticipantsReportAsync(truth);
        Assert.Contains("The documented transfer query counts 1 transfer(s), the simulator performed 1.", participants, StringComparison.Ordinal);
        Assert.DoesNotContain("transfer(s) differ", participants, StringComparison.Ordinal);
        Assert.Contains("LEFT ASSIGNED_AGENT", participants, StringComparison.Ordinal);
    }

    /// <summary>
    /// One consumer's conversations, one after the other: open, write, accept, answer, (mostly) wait until those states
    /// are committed, then as fast as possible: sometimes a transfer, sometimes a reader joining, close for good, rate.
    /// </summary>
    /// <returns>How many transfers were played.</returns>
    private static async Task<int> PlayAsync(EndToEndRun run, string consumer, int index)
    {
        var transfers = 0;
        for (var k = 0; k < ConversationsEach; k++)
        {
            var n = index * ConversationsEach + k;
            var id = (await run.PostAsync($"/control/consumers/{consumer}/conversations", new { }))["conversationId"]!.GetValue<string>();
            await run.PostAsync($"/control/conversations/{id}/messages", new { @as = "consumer", text = $"Hello, this is conversation {n}." });
            await run.PostAsync($"/control/conversations/{id}/accept", new { agentName = "Alice Martin" });
            await run.PostAsync($"/control/conversations/{id}/messages", new { @as = "agent", text = "Hello, Alice here." });
            // Mostly, the writer commits the opening and the acceptance before the rest follows at once: the store then
            // holds an older state than the latest received (as under load), not none.
            if (n % 4 != 3)
                await StatesCommittedAsync(run, id, 2);
            if (n % 2 == 0)
            {
                await run.PostAsync($"/control/conversations/{id}/participants", new { action = "transfer", agentName = "Bob Chen" });
                transfers++;
            }
            if (n % 3 == 0)
                await run.PostAsync($"/control/conversations/{id}/participants", new { action = "join", agentName = "Carol Reader", role = "READER" });
            await run.PostAsync($"/control/conversations/{id}/close", new { by = n % 4 < 2 ? "CONSUMER" : "AGENT", survey = false });
            await run.PostAsync($"/control/conversations/{id}/csat", new { rate = 1 + n % 5, resolutionConfirmation = n % 2 == 1, status = "FILLED" });
        }
        return transfers;
    }

    private static Task StatesCommittedAsync(EndToEndRun run, string conversationId, int states) => Eventually.HoldsAsync(async () =>
    {
        await using var command = run.Archive.CreateCommand("SELECT count(*) FROM archive.events WHERE stream_id = $1 AND type = 'ConversationObserved'");
        command.Parameters.AddWithValue("conversation:" + conversationId);
        var committed = (long)(await command.ExecuteScalarAsync())!;
        return (committed >= states, $"{committed} of {states} states of {conversationId} committed");
    }, TimeSpan.FromSeconds(30), $"The first states of {conversationId} committed");

    private sealed class Meters : System.Diagnostics.Metrics.IMeterFactory
    {
        private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
        {
            var meter = new System.Diagnostics.Metrics.Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
