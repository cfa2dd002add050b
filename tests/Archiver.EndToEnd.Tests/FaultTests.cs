using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;

namespace Archiver.EndToEnd.Tests;

/// <summary>
/// Each fault the simulator can inject, in the middle of a running scenario: the worker survives it, and the archive
/// ends equal to the ground truth — nothing lost, nothing duplicated. The simulator's fault record proves the fault
/// struck mid-scenario (the world had emitted changes for the consumer before it, and more after) and did something on
/// the wire; where the worker has a line for its reaction, its log shows it.
/// </summary>
public sealed class FaultTests
{
    public static TheoryData<string, string, string?> Faults => new()
    {
        // name, fault request (JSON), the worker's log line that shows its reaction (null: the fault record is the proof;
        // "a|b": either wording — rejected frames were logged by the session, and are now recorded in archive.rejections and logged there)
        { "drop", """{"kind":"drop"}""", "lost its connection" },
        { "close4401", """{"kind":"close4401"}""", "closed with 4401; getting a fresh token" },
        { "close4407", """{"kind":"close4407"}""", "closed with 4407; extending the identity" },
        { "duplicate", """{"kind":"duplicate","count":20}""", null },
        { "reorder", """{"kind":"reorder","count":20}""", null },
        { "delay", """{"kind":"delay","durationMs":1500}""", null },
        { "status429", """{"kind":"status","code":429,"count":3}""", "answered 429" },
        { "status500", """{"kind":"status","code":500,"count":3}""", "answered 500" },
        { "malformed", """{"kind":"malformed"}""", "rejected a|Recorded in archive.rejections (frame" },
        { "oversized", """{"kind":"oversized","bytes":1100000}""", "exceeded the|Recorded in archive.rejections (frame" },
        { "silence", """{"kind":"silence","durationMs":8000}""", "lost its connection" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Survives(string name, string fault, string? logShows)
    {
        await using var run = await EndToEndRun.StartAsync(2, new SimulatorSettings { Seed = name.Length },
            // A small frame limit so the oversized fault needs only ~1 MB on the wire.
            environment => environment["LivePerson__MaxFrameBytes"] = "1000000",
            // Signup identities cannot be renewed or extended: a new signup is a new consumer that cannot see the old one's
            // conversations (docs/protocol.md §14.6) — so the faults are played against the two modes that keep their
            // consumer.
            modes: ["Unauthenticated", "Authenticated"]);
        run.StartWorker();
        await run.ConsumersConnectedAsync();

        // 4 conversations of ~16 paced steps per consumer: a few seconds of traffic, so the fault lands in the middle.
        var scenario = run.PostAsync("/control/scenario", new { conversationsPerConsumer = 4, paceMs = 40 });
        await Eventually.HoldsAsync(async () =>
        {
            // A conversation opened, its first message published: the scenario is under way for every consumer.
            var consumers = (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers"))!;
            var emitting = consumers.Count(c => c!["connections"]!.GetValue<int>() > 0 && c["emitted"]!.GetValue<long>() >= 2);
            return (emitting >= run.Consumers, $"{emitting} of {run.Consumers} consumers have changes emitted: {consumers.ToJsonString()}");
        }, TimeSpan.FromSeconds(30), "The scenario emitting changes");

        var request = JsonNode.Parse(fault)!;
        var kind = request["kind"]!.GetValue<string>();
        var applied = await run.PostAsync("/control/faults", request);
        Assert.True(applied["affected"]!.GetValue<int>() > 0, $"{name}: the fault affected nothing");
        if (kind == "status")
            await run.PostAsync("/control/faults", new { kind = "drop" }); // the next requests (resubscribes) get the error code
        var played = await scenario;
        Assert.Equal(4 * run.Consumers, played["conversations"]!.AsArray().Count);

        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await ArchiveComparison.CountAsync(run.Archive, "SELECT count(*) FROM archive.conflicts"));
        Assert.False(run.Worker!.HasExited, $"{name}: the worker exited: {run.Tail()}");

        // The fault record: it struck mid-scenario for every consumer it affected, and touched frames on the wire.
        var rows = (await run.Control.GetFromJsonAsync<JsonArray>("/control/faults"))!.Where(r => r!["kind"]!.GetValue<string>() == kind).ToList();
        var record = string.Join(" | ", rows.Select(r => r!.ToJsonString()));
        Assert.True(rows.Count > 0, $"{name}: no row in /control/faults");
        var byConsumer = rows.GroupBy(r => r!["consumerId"]?.GetValue<string>()).ToList();
        if (kind == "status")
            Assert.Equal(new string?[] { null }, byConsumer.Select(g => g.Key)); // owed to the target, not to a consumer
        else
            Assert.Equal(run.Consumers, byConsumer.Count(g => g.Key is not null));
        foreach (var consumer in byConsumer)
        {
            Assert.All(consumer, r =>
            {
                var before = r!["emittedBefore"]!.GetValue<long>();
                var after = r["emittedAfter"]!.GetValue<long>();
                Assert.True(before > 0, $"{name}: applied before the scenario emitted anything for {consumer.Key ?? "any consumer"}: {record}");
                Assert.True(after > before, $"{name}: nothing emitted for {consumer.Key ?? "any consumer"} after the fault: {record}");
            });
            Assert.True(consumer.Sum(r => r!["wireEffect"]!.GetValue<long>()) > 0, $"{name}: the fault touched nothing on the wire for {consumer.Key ?? "its target"}: {record}");
        }

        if (logShows is not null)
        {
            var wordings = logShows.Split('|');
            Assert.True(run.Output.Any(line => wordings.Any(w => line.Contains(w, StringComparison.Ordinal))),
                $"{name}: the worker's log does not show '{string.Join("' or '", wordings)}': {run.Tail(60)}");
        }
        await ScenarioArchiveTests.AssertNoSecretsLoggedAsync(run);
    }

    [Fact]
    public async Task A_signup_identity_told_to_extend_signs_up_again_and_says_so()
    {
        await using var run = await EndToEndRun.StartAsync(1, new SimulatorSettings { Seed = 5 }, modes: ["Signup"]);
        run.StartWorker();
        await run.ConsumersConnectedAsync();
        await run.PostAsync("/control/faults", new { kind = "close4407" });

        // docs/protocol.md §14.6: signup cannot be extended; signing up again makes a new consumer, and the worker says
        // so loudly.
        await Eventually.HoldsAsync(async () =>
        {
            var consumers = (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers"))!;
            var connected = consumers.Count(c => c!["connections"]!.GetValue<int>() > 0);
            return (consumers.Count == 2 && connected == 1, $"{consumers.Count} consumers, {connected} connected");
        }, TimeSpan.FromSeconds(30), "A second signup");
        var close = Assert.Single((await run.Control.GetFromJsonAsync<JsonArray>("/control/faults"))!);
        Assert.Equal(1, close!["wireEffect"]!.GetValue<long>()); // the close frame went out
        Assert.True(run.Output.Any(line => line.Contains("cannot be extended", StringComparison.Ordinal)), run.Tail(40));
        await ScenarioArchiveTests.AssertNoSecretsLoggedAsync(run);
    }
}
