using System.Text.RegularExpressions;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;

namespace Archiver.EndToEnd.Tests;

/// <summary>
/// Issue 4's main acceptance: 3 consumers (one per identity mode) × 20 scripted conversations with both sides, text,
/// rich content, files, receipts, transfers, CSAT and closing — the archive equals what the simulator emitted, event
/// by event, and holds exactly the facts its state versions imply; the transcript read model holds every message; no
/// token ever reaches the logs.
/// </summary>
public sealed partial class ScenarioArchiveTests
{
    [Fact]
    public async Task Three_consumers_by_twenty_conversations_are_archived_exactly()
    {
        await using var run = await EndToEndRun.StartAsync(3, new SimulatorSettings { Seed = 42 });
        run.StartWorker();
        await run.ConsumersConnectedAsync();

        var scenario = await run.PostAsync("/control/scenario", new { conversationsPerConsumer = 20, paceMs = 0 });
        Assert.Equal(60, scenario["conversations"]!.AsArray().Count);

        // No faults: the worker sees every state version, so the archive must hold each, and the facts derived from
        // them must be exactly the ones the versions imply (ConversationClosed once, a transfer once, …).
        await run.EverythingArchivedAsync(TimeSpan.FromMinutes(2));
        var truth = await run.GroundTruthAsync();
        await run.AssertFactsAndParticipantsExactAsync(truth);
        Assert.Equal(60, truth.Conversations.Count);
        Assert.Equal(3, truth.Conversations.Select(c => c.ConsumerId).Distinct().Count());
        Assert.Contains(truth.Conversations, c => c.Dialogs.Any(d => d.DialogType == "POST_SURVEY"));

        // Every message (ContentEvent, RichContentEvent) of the ground truth is one transcript row with its text.
        var messages = truth.Conversations.SelectMany(c => c.Dialogs).SelectMany(d => d.Events)
            .Where(e => e.GetProperty("event").GetProperty("type").GetString() is "ContentEvent" or "RichContentEvent").ToList();
        Assert.Equal(messages.Count, await ArchiveComparison.CountAsync(run.Archive, "SELECT count(*) FROM readmodel.transcript_messages"));
        foreach (var message in messages.Where(m => m.GetProperty("event").TryGetProperty("contentType", out var type) && type.GetString() == "text/plain"))
        {
            await using var command = run.Archive.CreateCommand("SELECT text FROM compliance.transcript_messages WHERE dialog_id = $1 AND sequence = $2");
            command.Parameters.AddWithValue(message.GetProperty("dialogId").GetString()!);
            command.Parameters.AddWithValue(message.GetProperty("sequence").GetInt64());
            Assert.Equal(message.GetProperty("event").GetProperty("message").GetString(), (string?)await command.ExecuteScalarAsync());
        }

        Assert.Equal(0, await ArchiveComparison.CountAsync(run.Archive, "SELECT count(*) FROM archive.conflicts"));
        Assert.Equal(0, await run.Worker!.StopAsync(TimeSpan.FromSeconds(30)));
        await AssertNoSecretsLoggedAsync(run);
    }

    internal static async Task AssertNoSecretsLoggedAsync(EndToEndRun run)
    {
        // Every token the worker held, as stored in its vault, and anything shaped like a JWT.
        var secrets = new List<string>();
        await using (var command = run.Archive.CreateCommand("SELECT secrets->>'jwt', secrets->>'externalToken' FROM archive.consumer_identities"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < 2; i++)
                {
                    if (!reader.IsDBNull(i))
                        secrets.Add(reader.GetString(i));
                }
            }
        }
        Assert.NotEmpty(secrets);
        Assert.NotEmpty(run.Output);
        foreach (var line in run.Output)
        {
            Assert.DoesNotMatch(JwtShape(), line);
            foreach (var secret in secrets)
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")]
    private static partial Regex JwtShape();
}
