using Archiver.Worker.Sessions.Ums;
using Polly;
using Polly.Retry;

namespace Archiver.Worker.Sessions;

/// <summary>
/// When a session reconnects after its connection ended: at once (after ~100 ms) for a 4401/4407 close, which is
/// answered by a fresh token or an extended identity; otherwise exponential backoff from the first delay to the longest,
/// at least a second after a 429 (docs/protocol.md §7); always with jitter (between half and all of the delay) so that
/// many sessions dropped together do not return together. A connection that lasted <see cref="HealthyAfter"/> was
/// healthy: the backoff starts again. Delays run on the injected clock.
/// </summary>
internal sealed class ReconnectBackoff(TimeSpan initialDelay, TimeSpan maxDelay, TimeProvider time, Random? random = null)
{
    public static readonly TimeSpan HealthyAfter = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan AuthCloseDelay = TimeSpan.FromMilliseconds(100);

    private readonly Random _random = random ?? Random.Shared;
    private int _failures;

    /// <summary>The wait before the next attempt after <paramref name="failure"/>.</summary>
    public TimeSpan Next(Exception failure)
    {
        if (failure is UmsClosedException { CloseStatus: 4401 or 4407 })
            return Jitter(AuthCloseDelay);
        var backoff = TimeSpan.FromTicks(Math.Min(maxDelay.Ticks, (long)(initialDelay.Ticks * Math.Pow(2, Math.Min(_failures, 20)))));
        _failures++;
        if (failure is UmsRequestFailedException { Code: 429 } && backoff < TimeSpan.FromSeconds(1))
            backoff = TimeSpan.FromSeconds(1);
        return Jitter(backoff);
    }

    /// <summary>A connection lasted this long before it ended.</summary>
    public void ConnectionLasted(TimeSpan lasted)
    {
        if (lasted >= HealthyAfter)
            _failures = 0;
    }

    /// <summary>Runs <c>connectAndArchive</c> again after each failure, until <paramref name="stoppingToken"/> is cancelled.</summary>
    public ResiliencePipeline Pipeline(Action<Exception, TimeSpan> onReconnect, CancellationToken stoppingToken) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && !(e is OperationCanceledException && stoppingToken.IsCancellationRequested)),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Next(args.Outcome.Exception!)),
                OnRetry = args =>
                {
                    onReconnect(args.Outcome.Exception!, args.RetryDelay);
                    return default;
                },
            })
            .Build();

    /// <summary>In whole milliseconds: the granularity timers have (Task.Delay on a TimeProvider drops the rest).</summary>
    private TimeSpan Jitter(TimeSpan delay) => TimeSpan.FromMilliseconds(Math.Ceiling((delay / 2 + delay / 2 * _random.NextDouble()).TotalMilliseconds));
}
