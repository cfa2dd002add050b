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
        run.StartWorker();
        await run.ConsumersConnectedAsync();

        var scenario = run.PostAsync("/control/scenario", new { conversationsPerConsumer = 6, paceMs = 150 });
        await Task.Delay(2000);
        await server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(30));
        await server.RestartAsync();
        await scenario;

        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(2));
        Assert.False(run.Worker!.HasExited, run.Tail());
        Assert.Contains(run.Output, line => line.Contains("The archive is not reachable", StringComparison.Ordinal));
    }
}
