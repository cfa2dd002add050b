using Archiver.Worker.Observability;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Archiver.Worker.Coordination;

/// <summary>
/// Listens on the registry's channel (<see cref="ConsumerRegistry.Channel"/>, notified by the table's trigger on every
/// change) on a connection of its own, and signals <see cref="RegistryChanges"/>. A notification sent while this
/// connection was down is lost, so it signals once more whenever it (re)connects, and the sessions also poll the
/// registry's version every heartbeat: a change is never missed, only noticed later.
/// </summary>
internal sealed partial class RegistryWatcher(
    NpgsqlDataSource dataSource, RegistryChanges changes, TimeProvider time, ServiceHealth health, ILogger<RegistryWatcher> logger)
    : SupervisedService(time, logger, health)
{
    /// <summary>With no notification for this long the connection is probed, so one silently gone is replaced.</summary>
    private static readonly TimeSpan Probe = TimeSpan.FromSeconds(30);

    public override string Name => "registry watcher";

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var retry = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => changes.Signal();
                await using (var listen = new NpgsqlCommand($"LISTEN {ConsumerRegistry.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                changes.Signal(); // whatever changed while nobody listened
                retry = TimeSpan.FromSeconds(1);
                while (true)
                {
                    if (await connection.WaitAsync(Probe, stoppingToken))
                        continue;
                    await using var probe = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = 5 };
                    await probe.ExecuteNonQueryAsync(stoppingToken);
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                ListenLost(logger, e.GetType().Name, retry.TotalSeconds);
                await Task.Delay(retry, Time, stoppingToken);
                retry = TimeSpan.FromSeconds(Math.Min(5, retry.TotalSeconds * 2));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Not listening for consumer registry changes ({Reason}); again in {Seconds:F0} s, the registry is polled every heartbeat meanwhile")]
    private static partial void ListenLost(ILogger logger, string reason, double seconds);
}
