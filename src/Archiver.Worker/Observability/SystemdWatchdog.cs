using Archiver.Worker.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace Archiver.Worker.Observability;

/// <summary>
/// What the Systemd hosting package's lifetime does not say (it sends <c>READY=1</c> and <c>STOPPING=1</c>): through its
/// <see cref="ISystemdNotifier"/>, <c>WATCHDOG=1</c> at half of <c>$WATCHDOG_USEC</c> from the heartbeat (so a wedged
/// process misses it) and <c>STATUS=…</c> as sessions connect. Without a notify socket it does nothing.
/// </summary>
public sealed class SystemdWatchdog(
    ISystemdNotifier notifier, IHostApplicationLifetime lifetime, Heartbeat heartbeat, SessionMetrics sessions, SessionRegistry registry, TimeProvider time)
    : IHostedService
{
    private TimeSpan _watchdogEvery;
    private long _lastWatchdog;
    private string _lastStatus = "";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!notifier.IsEnabled)
            return Task.CompletedTask;
        // systemd sets WATCHDOG_USEC for WatchdogSec=; the package leaves the watchdog to the application.
        if (long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) && usec > 0)
            _watchdogEvery = TimeSpan.FromMicroseconds(usec / 2.0);
        lifetime.ApplicationStarted.Register(() => Send("STATUS=started, connecting sessions"));
        lifetime.ApplicationStopping.Register(() => Send("STATUS=stopping: draining what was received"));
        heartbeat.Beat += OnBeat;
        return Task.CompletedTask;
    }

    private void OnBeat()
    {
        if (_watchdogEvery > TimeSpan.Zero && time.GetElapsedTime(_lastWatchdog) >= _watchdogEvery)
        {
            _lastWatchdog = time.GetTimestamp();
            Send("WATCHDOG=1");
        }
        var status = $"STATUS=archiving: {sessions.ConnectedNow} of {registry.Held} session(s) connected";
        if (status != _lastStatus)
        {
            _lastStatus = status;
            Send(status);
        }
    }

    private void Send(string state)
    {
        try
        {
            notifier.Notify(new ServiceState(state));
        }
        catch (System.Net.Sockets.SocketException)
        {
            // systemd went away (the package's notifier throws then); nothing to tell, and the heartbeat must go on.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        heartbeat.Beat -= OnBeat;
        return Task.CompletedTask;
    }
}
