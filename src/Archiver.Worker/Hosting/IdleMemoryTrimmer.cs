using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Archiver.Worker.Hosting;

/// <summary>
/// Gives memory back to the machine once the worker has gone quiet after a burst (docs/benchmarks.md, "fleet"). A worker
/// holding thousands of idle consumers allocates almost nothing between bursts, so nothing starts the collection that
/// would free what the last burst left behind. The server collector then keeps it as RSS: 529 MiB at 2,000 idle
/// consumers, of which 102 MiB were live. After one quiet period that followed real allocation, this runs one blocking,
/// compacting, aggressive collection, which also decommits the freed segments. It never runs while events flow, and
/// runs only once per burst.
/// </summary>
public sealed partial class IdleMemoryTrimmer(TimeProvider time, ILogger<IdleMemoryTrimmer> logger) : BackgroundService
{
    /// <summary>
    /// How often allocation is sampled; a quiet period is one such interval. Short enough that the memory is back within
    /// 10–20 s of a burst's end (a 30 s period left it up to a minute, and the fleet benchmark measured it or not
    /// depending on where the timer stood), long enough that a pause between two messages is not a quiet period.
    /// </summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    /// <summary>At most this much allocated in a period counts as quiet (keep-alives and metrics of thousands of idle sockets, ~5,000 events).</summary>
    public const long QuietBytes = 16L * 1024 * 1024;

    /// <summary>At least this much allocated since the last trim makes a trim worth a pause: there is garbage to give back.</summary>
    public const long WorthTrimmingBytes = 128L * 1024 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        var previous = GC.GetTotalAllocatedBytes();
        var atLastTrim = previous;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = GC.GetTotalAllocatedBytes();
                if (ShouldTrim(now - previous, now - atLastTrim))
                {
                    var before = Environment.WorkingSet;
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    atLastTrim = GC.GetTotalAllocatedBytes();
                    Trimmed(logger, before / (1024 * 1024), Environment.WorkingSet / (1024 * 1024));
                }
                previous = GC.GetTotalAllocatedBytes();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Quiet in the last period, after enough allocation since the last trim to be worth giving back.</summary>
    public static bool ShouldTrim(long allocatedInPeriod, long allocatedSinceTrim) =>
        allocatedInPeriod <= QuietBytes && allocatedSinceTrim >= WorthTrimmingBytes;

    [LoggerMessage(EventId = 9301, Level = LogLevel.Information,
        Message = "Idle after a burst: memory given back, working set {BeforeMiB} MiB -> {AfterMiB} MiB")]
    private static partial void Trimmed(ILogger logger, long beforeMiB, long afterMiB);
}
