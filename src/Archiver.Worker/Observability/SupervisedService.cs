using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Archiver.Worker.Observability;

/// <summary>
/// A background service that is restarted, with exponential backoff and jitter, when it fails for any reason, instead
/// of stopping the host (which is what .NET does with a failed BackgroundService): one failure must not stop every
/// consumer's archiving. While it is down, readiness says so (<see cref="ServiceHealth"/>). A run that lasted a minute
/// was healthy, and the backoff starts again from its first delay.
/// </summary>
public abstract partial class SupervisedService(TimeProvider time, ILogger logger, ServiceHealth health) : BackgroundService
{
    private static readonly TimeSpan HealthyAfter = TimeSpan.FromMinutes(1);

    /// <summary>The clock every subclass uses (injected: tests drive it).</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>For logs and readiness.</summary>
    public abstract string Name { get; }

    /// <summary>The first and the longest wait before a restart.</summary>
    protected virtual (TimeSpan First, TimeSpan Max) RestartDelays => (TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

    /// <summary>The service's work, until <paramref name="stoppingToken"/> is cancelled.</summary>
    protected abstract Task RunAsync(CancellationToken stoppingToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        long started = 0;
        var (first, max) = RestartDelays;
        var restart = new ResiliencePipelineBuilder { TimeProvider = Time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && !(e is OperationCanceledException && stoppingToken.IsCancellationRequested)),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = _ =>
                {
                    if (Time.GetElapsedTime(started) >= HealthyAfter)
                        failures = 0;
                    var delay = TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks * (1L << Math.Min(failures++, 20))));
                    var jittered = delay / 2 + delay / 2 * Random.Shared.NextDouble();
                    return ValueTask.FromResult<TimeSpan?>(TimeSpan.FromMilliseconds(Math.Ceiling(jittered.TotalMilliseconds)));
                },
                OnRetry = args =>
                {
                    var reason = $"{args.Outcome.Exception!.GetType().Name}: {args.Outcome.Exception.Message}";
                    health.Down(Name, $"failed ({reason}); restarting in {args.RetryDelay.TotalSeconds:F1} s");
                    Failed(logger, args.Outcome.Exception, Name, args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            })
            .Build();
        try
        {
            await restart.ExecuteAsync(async ct =>
            {
                started = Time.GetTimestamp();
                health.Up(Name);
                await RunAsync(ct);
            }, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            health.Up(Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Service} failed and is restarted in {DelayMs:F0} ms; the host keeps running")]
    private static partial void Failed(ILogger logger, Exception exception, string service, double delayMs);
}
