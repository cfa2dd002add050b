using Archiver.Worker.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Store.Checkpoints;

/// <summary>
/// The worker's checkpoints: one every <c>Integrity__CheckpointIntervalSeconds</c> and one when it stops (registered
/// before the writer, so it stops after the writer has drained: the last checkpoint covers everything archived).
/// Without <c>Integrity__SigningKeyFile</c> it takes none and says so once.
/// </summary>
public sealed partial class CheckpointService(
    Checkpointer checkpointer,
    IOptions<IntegrityOptions> options,
    TimeProvider time,
    ServiceHealth health,
    ILogger<CheckpointService> logger) : SupervisedService(time, logger, health)
{
    public override string Name => "checkpoints";

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!checkpointer.Enabled)
        {
            CheckpointsOff(logger);
            return;
        }
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CheckpointIntervalSeconds), Time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await checkpointer.TakeAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last checkpoint, bounded, after everything was archived.
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(20), Time);
            await checkpointer.TakeAsync(bounded.Token);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Integrity__SigningKeyFile is not set: no signed checkpoints are taken, so tampering by the database's owner cannot be proven (docs/event-store.md)")]
    private static partial void CheckpointsOff(ILogger logger);
}
