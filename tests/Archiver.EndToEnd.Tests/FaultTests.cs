using System.Net.Http.Json;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;

namespace Archiver.EndToEnd.Tests;

/// <summary>
/// Each fault the simulator can inject, in the middle of a running scenario: the worker survives it, and the archive
/// ends equal to the ground truth — nothing lost, nothing duplicated. The worker's log shows it noticed.
/// </summary>
public sealed class FaultTests
{
    public static TheoryData<string, string, string> Faults => new()
    {
        // kind, fault request (JSON), what the worker's log must show
        { "drop", """{"kind":"drop"}""", "lost its connection" },
        { "close4401", """{"kind":"close4401"}""", "closed with 4401; getting a fresh token" },
        { "close4407", """{"kind":"close4407"}""", "closed with 4407; extending the identity" },
        { "duplicate", """{"kind":"duplicate","count":20}""", "connected to" },
        { "reorder", """{"kind":"reorder","count":20}""", "connected to" },
        { "delay", """{"kind":"delay","durationMs":1500}""", "connected to" },
        { "status429", """{"kind":"status","code":429,"count":3}""", "429" },
        { "status500", """{"kind":"status","code":500,"count":3}""", "500" },
        { "malformed", """{"kind":"malformed"}""", "rejected a" },
        { "oversized", """{"kind":"oversized","bytes":1100000}""", "exceeded the" },
        { "silence", """{"kind":"silence","durationMs":8000}""", "lost its connection" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Survives(string name, string fault, string logShows)
    {
        await using var run = await EndToEndRun.StartAsync(2, new SimulatorSettings { Seed = name.Length },
            // A small frame limit so the oversized fault needs only ~1 MB on the wire.
            environment => environment["LivePerson__MaxFrameBytes"] = "1000000",
            // Signup identities cannot be renewed or extended: a new signup is a new consumer that cannot see the old one's
            // conversations (§14.6) — so the faults are played against the two modes that keep their consumer.
            modes: ["Unauthenticated", "Authenticated"]);
        run.StartWorker();
        await run.ConsumersConnectedAsync();

        var scenario = run.PostAsync("/control/scenario", new { conversationsPerConsumer = 4, paceMs = 20 });
        await Task.Delay(700);
        var applied = await run.PostAsync("/control/faults", System.Text.Json.JsonDocument.Parse(fault).RootElement);
        Assert.True(applied["affected"]!.GetValue<int>() > 0, $"{name}: the fault affected nothing");
        if (name.StartsWith("status", StringComparison.Ordinal))
            await run.PostAsync("/control/faults", new { kind = "drop" }); // the next requests (resubscribes) get the error code
        await scenario;

        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await ArchiveComparison.CountAsync(run.Archive, "SELECT count(*) FROM archive.conflicts"));
        Assert.False(run.Worker!.HasExited, $"{name}: the worker exited: {run.Tail()}");
        Assert.True(run.Output.Any(line => line.Contains(logShows, StringComparison.Ordinal)), $"{name}: the worker's log does not show '{logShows}': {run.Tail(60)}");
        await ScenarioArchiveTests.AssertNoSecretsLoggedAsync(run);
    }

    [Fact]
    public async Task A_signup_identity_told_to_extend_signs_up_again_and_says_so()
    {
        await using var run = await EndToEndRun.StartAsync(1, new SimulatorSettings { Seed = 5 }, modes: ["Signup"]);
        run.StartWorker();
        await run.ConsumersConnectedAsync();
        await run.PostAsync("/control/faults", new { kind = "close4407" });

        // §14.6: signup cannot be extended; signing up again makes a new consumer, and the worker says so loudly.
        await Eventually.HoldsAsync(async () =>
        {
            var consumers = (await run.Control.GetFromJsonAsync<System.Text.Json.Nodes.JsonArray>("/control/consumers"))!;
            var connected = consumers.Count(c => c!["connections"]!.GetValue<int>() > 0);
            return (consumers.Count == 2 && connected == 1, $"{consumers.Count} consumers, {connected} connected");
        }, TimeSpan.FromSeconds(30), "A second signup");
        Assert.True(run.Output.Any(line => line.Contains("cannot be extended", StringComparison.Ordinal)), run.Tail(40));
        await ScenarioArchiveTests.AssertNoSecretsLoggedAsync(run);
    }
}
