using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;

namespace Archiver.EndToEnd.Tests;

/// <summary>SIGKILL at random moments, ten times, while traffic flows: the archive still equals the ground truth exactly.</summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task Killing_the_worker_ten_times_loses_and_duplicates_nothing()
    {
        await using var run = await EndToEndRun.StartAsync(3, new SimulatorSettings { Seed = 7 });
        run.StartWorker();
        await run.ConsumersConnectedAsync();

        // About 24,000 messages at 2,000/s: traffic for the whole kill loop.
        var load = run.PostAsync("/control/load", new { conversationsPerConsumer = 40, messagesPerConversation = 200, ratePerSecond = 2000 });
        var random = new Random(11);
        for (var kill = 0; kill < 10; kill++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300 + random.Next(1200)));
            await run.Worker!.KillAsync();
            run.StartWorker();
        }
        await load;
        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(0, await ArchiveComparison.CountAsync(run.Archive, "SELECT count(*) FROM archive.conflicts"));

        var verify = await ProcessRunner.ArchiverAsync(new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = run.ConnectionString }, "verify");
        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
        await ScenarioArchiveTests.AssertNoSecretsLoggedAsync(run);
    }
}
