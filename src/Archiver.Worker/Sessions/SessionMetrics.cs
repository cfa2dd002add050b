using System.Diagnostics.Metrics;

namespace Archiver.Worker.Sessions;

/// <summary>Meter <c>Archiver.Sessions</c>: the consumer sockets, their reconnects and the server's refusals.</summary>
public sealed class SessionMetrics : IDisposable
{
    public const string MeterName = "Archiver.Sessions";

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _connected;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _errorResponses;
    private readonly Counter<long> _notifications;
    private long _connectedNow;

    public SessionMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _connected = _meter.CreateUpDownCounter<long>("archiver.sessions.connected", "{session}", "Consumer sessions connected and subscribed");
        _reconnects = _meter.CreateCounter<long>("archiver.sessions.reconnects", "{reconnect}", "Reconnects, by reason");
        _throttled = _meter.CreateCounter<long>("archiver.ums.throttled", "{response}", "429 responses from the server");
        _errorResponses = _meter.CreateCounter<long>("archiver.ums.error_responses", "{response}", "Error responses (code ≥ 400), by code");
        _notifications = _meter.CreateCounter<long>("archiver.ums.notifications", "{notification}", "Notifications received");
    }

    /// <summary>Sessions connected right now (for health checks).</summary>
    public long ConnectedNow => Interlocked.Read(ref _connectedNow);

    public void Connected()
    {
        Interlocked.Increment(ref _connectedNow);
        _connected.Add(1);
    }

    public void Disconnected()
    {
        Interlocked.Decrement(ref _connectedNow);
        _connected.Add(-1);
    }

    public void Reconnecting(string reason) => _reconnects.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ErrorResponse(int code)
    {
        if (code == 429)
            _throttled.Add(1);
        _errorResponses.Add(1, new KeyValuePair<string, object?>("code", StatusLabel(code)));
    }

    /// <summary>A status code as a metric label: the ones the protocol gives a meaning (docs/protocol.md §7) by number,
    /// the rest by class.</summary>
    public static string StatusLabel(int code) => code switch
    {
        400 or 401 or 403 or 404 or 429 or 500 or 502 or 503 or 504 => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        >= 400 and < 500 => "4xx",
        >= 500 and < 600 => "5xx",
        _ => "other",
    };

    /// <summary>A WebSocket close code as a metric label: the standard ones and LivePerson's 4401/4407 by number, the rest as "other".</summary>
    public static string CloseCodeLabel(int code) => code switch
    {
        1000 or 1001 or 1002 or 1003 or 1006 or 1007 or 1008 or 1009 or 1011 or 1012 or 1013 or 4401 or 4407 =>
            code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "other",
    };

    public void NotificationReceived() => _notifications.Add(1);

    public void Dispose() => _meter.Dispose();
}
