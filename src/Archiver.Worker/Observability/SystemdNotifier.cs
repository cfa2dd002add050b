using System.Net.Sockets;
using System.Text;
using Archiver.Worker.Sessions;
using Microsoft.Extensions.Hosting;

namespace Archiver.Worker.Observability;

/// <summary>
/// sd_notify over <c>$NOTIFY_SOCKET</c>, hand-written because the Systemd hosting package is not available here:
/// <c>READY=1</c> once started, <c>STATUS=…</c> as sessions connect, <c>WATCHDOG=1</c> at half of <c>$WATCHDOG_USEC</c>
/// from the heartbeat (so a wedged process misses it), <c>STOPPING=1</c> on shutdown. Without the variable it does nothing.
/// </summary>
public sealed class SystemdNotifier(IHostApplicationLifetime lifetime, Heartbeat heartbeat, SessionMetrics sessions, SessionRegistry registry, TimeProvider time)
    : IHostedService, IDisposable
{
    private Socket? _socket;
    private UnixDomainSocketEndPoint? _endpoint;
    private TimeSpan _watchdogEvery;
    private long _lastWatchdog;
    private string _lastStatus = "";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path))
            return Task.CompletedTask;
        // An abstract socket is given with a leading '@' and addressed with a leading NUL.
        _endpoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        if (long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) && usec > 0)
            _watchdogEvery = TimeSpan.FromMicroseconds(usec / 2.0);
        lifetime.ApplicationStarted.Register(() => Send("READY=1\nSTATUS=started, connecting sessions"));
        lifetime.ApplicationStopping.Register(() => Send("STOPPING=1\nSTATUS=stopping: draining what was received"));
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

    private void Send(string message)
    {
        try
        {
            _socket?.SendTo(Encoding.UTF8.GetBytes(message), _endpoint!);
        }
        catch (SocketException)
        {
            // systemd went away; nothing to tell.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        heartbeat.Beat -= OnBeat;
        return Task.CompletedTask;
    }

    public void Dispose() => _socket?.Dispose();
}
