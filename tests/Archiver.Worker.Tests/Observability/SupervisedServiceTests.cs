using Archiver.Worker.Observability;
using Archiver.Worker.Tests.Harness;
using Microsoft.Extensions.Logging.Abstractions;

namespace Archiver.Worker.Tests.Observability;

/// <summary>A background service that fails is restarted with backoff instead of stopping the host, and readiness says so meanwhile.</summary>
public sealed class SupervisedServiceTests
{
    [Fact]
    public async Task A_failing_service_is_restarted_with_growing_delays_and_reported_down_until_it_runs_again()
    {
        var time = new TimerSignallingTimeProvider();
        var health = new ServiceHealth();
        var service = new FlakyService(time, health, failures: 3);
        var readiness = new ServicesCheck(health);

        await service.StartAsync(CancellationToken.None);
        for (var failure = 1; failure <= 3; failure++)
        {
            Assert.True(await service.Started.WaitAsync(TimeSpan.FromSeconds(10)), $"run {failure} did not start");
            Assert.True(await time.TimerCreated.WaitAsync(TimeSpan.FromSeconds(10)), $"no restart was scheduled after failure {failure}");
            Assert.Equal("unhealthy", (await readiness.CheckHealthAsync(new())).Status.ToString().ToLowerInvariant());
            Assert.StartsWith($"failed (InvalidOperationException: failure {failure}); restarting in", health.Down()["flaky service"], StringComparison.Ordinal);

            // Restarted between half and all of 1, 2, 4 s after the failure (the jitter), never before.
            var nominal = TimeSpan.FromSeconds(1 << (failure - 1));
            time.Advance(nominal / 2 - TimeSpan.FromMilliseconds(1));
            Assert.False(service.Started.Wait(0), $"restarted before half of {nominal}");
            time.Advance(nominal / 2 + TimeSpan.FromMilliseconds(1));
            Assert.True(await service.Started.WaitAsync(TimeSpan.FromSeconds(10)), $"not restarted within {nominal}");
            service.Started.Release(); // the next turn of the loop waits for this run's start again
        }

        Assert.True(await service.Started.WaitAsync(TimeSpan.FromSeconds(10)), "the fourth run did not start");
        Assert.True(await service.Running.WaitAsync(TimeSpan.FromSeconds(10)), "the fourth run is not running");
        Assert.Empty(health.Down());
        Assert.Equal("Healthy", (await readiness.CheckHealthAsync(new())).Status.ToString());
        await service.StopAsync(CancellationToken.None);
    }

    private sealed class FlakyService(TimeProvider time, ServiceHealth health, int failures) : SupervisedService(time, NullLogger.Instance, health)
    {
        private int _runs;

        public SemaphoreSlim Started { get; } = new(0);

        public SemaphoreSlim Running { get; } = new(0);

        public override string Name => "flaky service";

        protected override async Task RunAsync(CancellationToken stoppingToken)
        {
            var run = ++_runs;
            Started.Release();
            if (run <= failures)
                throw new InvalidOperationException($"failure {run}");
            Running.Release();
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
    }
}
