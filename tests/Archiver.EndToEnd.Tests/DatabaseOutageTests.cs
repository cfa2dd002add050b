using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;

namespace Archiver.EndToEnd.Tests;

/// <summary>PostgreSQL stopped for 30 s in the middle of a run and started again: nothing is lost.</summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task Thirty_seconds_without_the_database_loses_nothing()
    {
        await using var server = await PrivatePostgres.StartAsync();
        await using var run = await EndToEndRun.StartAsync(2, new SimulatorSettings { Seed = 3 }, serverConnectionString: server.ServerConnectionString);
        run.StartWorker(e => e["Observability__Port"] = "0");
        await run.ConsumersConnectedAsync();
        using var http = new HttpClient { BaseAddress = await ObservabilityTests.ListeningOnAsync(run) };

        var scenario = run.PostAsync("/control/scenario", new { conversationsPerConsumer = 6, paceMs = 150 });
        await Task.Delay(2000);
        await server.StopAsync();
        await Eventually.HoldsAsync(async () =>
        {
            using var ready = await http.GetAsync("/health/ready");
            var body = await ready.Content.ReadAsStringAsync();
            return (ready.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && body.Contains("not reachable", StringComparison.Ordinal), body);
        }, TimeSpan.FromSeconds(15), "Readiness failing while the database is down");
        using (var live = await http.GetAsync("/health/live"))
            Assert.Equal(System.Net.HttpStatusCode.OK, live.StatusCode); // down database ≠ wedged process: no restart wanted
        await Task.Delay(TimeSpan.FromSeconds(28));
        await server.RestartAsync();
        await scenario;

        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(2));
        Assert.False(run.Worker!.HasExited, run.Tail());
        Assert.Contains(run.Output, line => line.Contains("The archive is not reachable", StringComparison.Ordinal));
        await Eventually.HoldsAsync(async () =>
        {
            using var ready = await http.GetAsync("/health/ready");
            return (ready.IsSuccessStatusCode, await ready.Content.ReadAsStringAsync());
        }, TimeSpan.FromSeconds(30), "Readiness recovering");
    }
}
