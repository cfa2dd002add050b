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
/// reason it stops its sessions, and is restarted (<see cref="SupervisedService"/>). The consumers are the configured
/// ones and those in the registry (<see cref="ConsumerRegistry"/>): a registry change wakes it at once
/// (<see cref="RegistryChanges"/>), and its version is polled every heartbeat too; a consumer removed from the registry
/// has its session stopped (closed normally, what it received archived) and its lease given back.
/// </summary>
internal sealed partial class ConsumerSessionsService(
    IOptions<LivePersonOptions> options,
    IOptions<CoordinationOptions> coordination,
    ConsumerLeases leases,
    ConsumerRegistry consumerRegistry,
    RegistryChanges registryChanges,
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

        var keepAlive = TimeSpan.FromSeconds(o.KeepAliveSeconds);
        var context = new ConnectionContext(ingestion, sessionMetrics, Time, keepAlive, agents, sessionLogger);
        var settings = new UmsConnectionSettings(keepAlive, keepAlive, TimeSpan.FromSeconds(o.RequestTimeoutSeconds), o.MaxFrameBytes);
        var identityLogger = loggerFactory.CreateLogger<ConsumerIdentity>();
        var consumers = o.Consumers.ToDictionary(x => x.Name!, StringComparer.Ordinal);
        var names = consumers.Keys.Order(StringComparer.Ordinal).ToList();
        var lease = TimeSpan.FromSeconds(c.LeaseSeconds);
        long validUntil = 0;
        (long, long)? registryVersion = null;
        var reported = new HashSet<string>(StringComparer.Ordinal);
        var saidNone = false;

        // Reads the registry when its version moved (a cheap query), and stops the sessions of consumers no longer in it.
        async Task RefreshAsync(CancellationToken cancellationToken)
        {
            var version = await consumerRegistry.VersionAsync(cancellationToken);
            if (version == registryVersion)
                return;
            var registered = await consumerRegistry.ActiveAsync(o.AccountId!, cancellationToken);
            var (merged, problems) = ConsumerCatalog.Merge(o.Consumers, registered, o.Registry);
            foreach (var problem in problems.Where(p => !reported.Contains(p)))
                RegistryProblem(_logger, problem);
            reported.IntersectWith(problems);
            reported.UnionWith(problems);
            var removed = _running.Keys.Where(n => !merged.ContainsKey(n)).ToList();
            var added = merged.Keys.Count(n => !consumers.ContainsKey(n));
            var dropped = consumers.Keys.Count(n => !merged.ContainsKey(n));
            if (registryVersion is not null || registered.Count > 0)
                RegistryRead(_logger, registered.Count, merged.Count, added, dropped);
            consumers = merged;
            names = consumers.Keys.Order(StringComparer.Ordinal).ToList();
            registryVersion = version;
            if (removed.Count > 0)
            {
                await StopAsync(removed);
                await leases.ReleaseAsync(c.WorkerId, removed, cancellationToken);
                var list = string.Join(", ", removed);
                SessionsRemoved(_logger, removed.Count, list);
            }
            if (names.Count == 0 && !saidNone)
                SessionLog.NoConsumers(sessionLogger);
            saidNone = names.Count == 0;
        }

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
            Task<bool>? tick = null;
            while (true)
            {
                var changed = registryChanges.Next; // before reading the registry: a change during the read wakes the next round
                var asked = Time.GetTimestamp();
                try
                {
                    await RefreshAsync(stoppingToken);
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

                // The next heartbeat, or a registry change before it. A pending tick is kept, so the heartbeat keeps its pace.
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                if (await Task.WhenAny(tick, changed) == tick)
                {
                    if (!await tick)
                        break;
                    tick = null;
                }
            }
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

    /// <summary>Stops sessions all at once (each closes its socket normally and reads until the server's close), then waits for them.</summary>
    private async Task StopAsync(IReadOnlyCollection<string> names)
    {
        var stopping = new List<(CancellationTokenSource Stop, Task Run)>();
        foreach (var name in names)
        {
            if (_running.Remove(name, out var running))
                stopping.Add(running);
        }
        foreach (var running in stopping)
            await running.Stop.CancelAsync();
        foreach (var running in stopping)
        {
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

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Consumer registry read: {Registered} registered for this account, {Total} consumer(s) in all; {Added} added, {Removed} removed")]
    private static partial void RegistryRead(ILogger logger, int registered, int total, int added, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer registry: {Problem}")]
    private static partial void RegistryProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped {Count} session(s) of consumer(s) removed from the registry ({Consumers}); their leases are given back")]
    private static partial void SessionsRemoved(ILogger logger, int count, string consumers);

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
