using Archiver.Worker.Coordination;
using Archiver.Worker.Ingestion;
using Archiver.Worker.Observability;
using Archiver.Worker.Sessions.Identity;
using Archiver.Worker.Sessions.Ums;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Sessions;

/// <summary>
/// Runs a <see cref="ConsumerSession"/> for each consumer identity this worker holds a lease on. Every heartbeat it
/// renews its leases, gives back what is above its fair share (so a joining worker gets some) and takes free or lapsed
/// ones up to it (so a dead worker's are taken over within a lease period). If it cannot renew in time it stops its
/// sessions before its leases lapse, so no identity is ever held twice. On shutdown the sessions stop reading first and
/// the leases are given back; the writer (stopped after this) drains what they handed over. If it fails for any other
/// reason it stops its sessions, and is restarted (<see cref="SupervisedService"/>).
/// </summary>
internal sealed partial class ConsumerSessionsService(
    IOptions<LivePersonOptions> options,
    IOptions<CoordinationOptions> coordination,
    ConsumerLeases leases,
    SessionRegistry registry,
    DomainDirectory directory,
    IdpClient idp,
    IIdentityVault vault,
    IIngestion ingestion,
    SessionMetrics sessionMetrics,
    AgentProfiles agents,
    TimeProvider time,
    ServiceHealth health,
    ILoggerFactory loggerFactory) : SupervisedService(time, loggerFactory.CreateLogger<ConsumerSessionsService>(), health)
{
    /// <summary>Sessions stop this long before the leases they hold could lapse in the database.</summary>
    private static readonly TimeSpan SafetyMargin = TimeSpan.FromSeconds(3);

    private readonly ILogger _logger = loggerFactory.CreateLogger<ConsumerSessionsService>();
    private readonly Dictionary<string, (CancellationTokenSource Stop, Task Run)> _running = new(StringComparer.Ordinal);

    public override string Name => "consumer sessions";

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var c = coordination.Value;
        var sessionLogger = loggerFactory.CreateLogger<ConsumerSession>();
        if (!o.Tls)
            SessionLog.TlsOff(sessionLogger);
        if (o.Consumers.Count == 0)
            SessionLog.NoConsumers(sessionLogger);

        var keepAlive = TimeSpan.FromSeconds(o.KeepAliveSeconds);
        var context = new ConnectionContext(ingestion, sessionMetrics, Time, keepAlive, agents, sessionLogger);
        var settings = new UmsConnectionSettings(keepAlive, keepAlive, TimeSpan.FromSeconds(o.RequestTimeoutSeconds), o.MaxFrameBytes);
        var identityLogger = loggerFactory.CreateLogger<ConsumerIdentity>();
        var consumers = o.Consumers.ToDictionary(x => x.Name!, StringComparer.Ordinal);
        var names = consumers.Keys.Order(StringComparer.Ordinal).ToList();
        var lease = TimeSpan.FromSeconds(c.LeaseSeconds);
        long validUntil = 0;

        void Start(string name)
        {
            var identity = new ConsumerIdentity(consumers[name], o.AccountId!, idp, vault, Time, identityLogger);
            var session = new ConsumerSession(identity, directory, context, settings, o.AccountId!,
                TimeSpan.FromMilliseconds(o.ReconnectInitialDelayMs), TimeSpan.FromMilliseconds(o.ReconnectMaxDelayMs));
            var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _running[name] = (stop, Task.Run(() => session.RunAsync(stop.Token), CancellationToken.None));
        }

        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(c.HeartbeatSeconds), Time);
            do
            {
                var asked = Time.GetTimestamp();
                try
                {
                    var alive = Math.Max(1, await leases.AnnounceAsync(c.WorkerId, names, lease, stoppingToken));
                    var held = (await leases.RenewAsync(c.WorkerId, _running.Keys, lease, stoppingToken)).ToHashSet(StringComparer.Ordinal);
                    var lost = _running.Keys.Where(n => !held.Contains(n)).ToList();
                    if (lost.Count > 0)
                    {
                        var list = string.Join(", ", lost);
                        LeasesLost(_logger, lost.Count, list);
                        await StopAsync(lost);
                    }

                    var fairShare = (names.Count + alive - 1) / alive;
                    if (held.Count > fairShare)
                    {
                        var extra = held.Order(StringComparer.Ordinal).Skip(fairShare).ToList();
                        await StopAsync(extra);
                        await leases.ReleaseAsync(c.WorkerId, extra, stoppingToken);
                        Rebalanced(_logger, extra.Count, alive);
                    }
                    else if (held.Count < fairShare)
                    {
                        var taken = await leases.AcquireAsync(c.WorkerId, names, fairShare - held.Count, lease, stoppingToken);
                        foreach (var name in taken)
                            Start(name);
                        if (taken.Count > 0)
                        {
                            var list = string.Join(", ", taken);
                            LeasesTaken(_logger, taken.Count, list, alive);
                        }
                    }
                    validUntil = asked + (long)((lease - SafetyMargin).TotalSeconds * Time.TimestampFrequency);
                }
                catch (Exception e) when (e is CoordinationUnavailableException or TimeoutException)
                {
                    CoordinationFailed(_logger, e.Message);
                }

                if (_running.Count > 0 && Time.GetTimestamp() > validUntil)
                {
                    // The leases could lapse and be taken: stop before that can happen.
                    LeasesUnconfirmed(_logger, _running.Count);
                    await StopAsync(_running.Keys.ToList());
                }
                registry.SetHeld(_running.Count);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            var held = _running.Keys.ToList();
            await StopAsync(held);
            registry.SetHeld(0);
            await GiveBackAsync(c.WorkerId, held);
        }
    }

    private async Task StopAsync(IReadOnlyCollection<string> names)
    {
        foreach (var name in names)
        {
            if (!_running.Remove(name, out var running))
                continue;
            await running.Stop.CancelAsync();
            try
            {
                await running.Run;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
            running.Stop.Dispose();
        }
    }

    /// <summary>On shutdown: the leases go back at once, so another worker need not wait for them to lapse.</summary>
    private async Task GiveBackAsync(string workerId, List<string> held)
    {
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            if (held.Count > 0)
                await leases.ReleaseAsync(workerId, held, quick.Token);
            await leases.LeaveAsync(workerId, quick.Token);
        }
        catch (Exception e) when (e is CoordinationUnavailableException or OperationCanceledException or TimeoutException)
        {
            CoordinationFailed(_logger, e.Message); // they lapse on their own
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Took {Count} consumer lease(s) ({Consumers}); {Workers} worker(s) alive")]
    private static partial void LeasesTaken(ILogger logger, int count, string consumers, int workers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gave back {Count} consumer lease(s) to rebalance among {Workers} worker(s)")]
    private static partial void Rebalanced(ILogger logger, int count, int workers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost {Count} consumer lease(s) ({Consumers}); their sessions are stopped")]
    private static partial void LeasesLost(ILogger logger, int count, string consumers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not confirm the leases of {Count} session(s) in time; stopping them until the database answers")]
    private static partial void LeasesUnconfirmed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease heartbeat failed: {Reason}")]
    private static partial void CoordinationFailed(ILogger logger, string reason);
}
