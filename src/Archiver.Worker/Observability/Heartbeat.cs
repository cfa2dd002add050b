using Microsoft.Extensions.Hosting;

namespace Archiver.Worker.Observability;

/// <summary>
/// Beats once a second on the thread pool. If it stops (the pool starved, the process wedged), liveness fails and the
/// orchestrator restarts the process; systemd's watchdog pings come from the same beat.
/// </summary>
public sealed class Heartbeat(TimeProvider time) : BackgroundService
{
    private long _lastBeat = time.GetTimestamp();

    public TimeSpan SinceLastBeat => time.GetElapsedTime(Interlocked.Read(ref _lastBeat));

    public event Action? Beat;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Interlocked.Exchange(ref _lastBeat, time.GetTimestamp());
                Beat?.Invoke();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
