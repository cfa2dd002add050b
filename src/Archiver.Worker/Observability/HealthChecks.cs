using Archiver.Worker.Ingestion;
using Archiver.Worker.Sessions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Observability;

/// <summary>Liveness: the process loop is not wedged.</summary>
internal sealed class LoopCheck(Heartbeat heartbeat) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(heartbeat.SinceLastBeat < TimeSpan.FromSeconds(10)
            ? HealthCheckResult.Healthy($"last beat {heartbeat.SinceLastBeat.TotalSeconds:F1} s ago")
            : HealthCheckResult.Unhealthy($"no beat for {heartbeat.SinceLastBeat.TotalSeconds:F0} s"));
}

/// <summary>Readiness: the archive database answers.</summary>
internal sealed class DatabaseCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy("reachable");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("not reachable"); // the reason may name the host; the connection string never appears
        }
    }
}

/// <summary>Readiness: every consumer this worker holds is connected and subscribed.</summary>
internal sealed class SessionsCheck(SessionMetrics sessions, SessionRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var held = registry.Held;
        var connected = sessions.ConnectedNow;
        return Task.FromResult(connected >= held
            ? HealthCheckResult.Healthy($"{connected} of {held} held session(s) connected")
            : HealthCheckResult.Unhealthy($"{connected} of {held} held session(s) connected"));
    }
}

/// <summary>Readiness: what was received is being committed, not piling up.</summary>
internal sealed class IngestionCheck(ArchiveChannel channel, IngestionMetrics ingestion, IOptions<IngestionOptions> ingestionOptions,
    IOptions<ObservabilityOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var waiting = channel.Count;
        var oldest = ingestion.OldestUncommitted;
        var bound = TimeSpan.FromSeconds(options.Value.MaxIngestionLagSeconds);
        var description = $"{waiting} notification(s) waiting; oldest uncommitted {oldest.TotalSeconds:F1} s";
        return Task.FromResult(waiting < ingestionOptions.Value.ChannelCapacity * 9 / 10 && oldest < bound
            ? HealthCheckResult.Healthy(description)
            : HealthCheckResult.Unhealthy(description));
    }
}

/// <summary>Readiness: no supervised background service is down (failed and waiting to be restarted).</summary>
internal sealed class ServicesCheck(ServiceHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var down = health.Down();
        return Task.FromResult(down.Count == 0
            ? HealthCheckResult.Healthy("every background service is running")
            : HealthCheckResult.Unhealthy(string.Join("; ", down.Select(d => $"{d.Key} {d.Value}"))));
    }
}
