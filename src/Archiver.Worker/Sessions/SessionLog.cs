using Microsoft.Extensions.Logging;

namespace Archiver.Worker.Sessions;

/// <summary>The sessions' log lines. They name a consumer by its configured name, never by a token.</summary>
internal static partial class SessionLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer {Consumer} connected to {Host} and subscribed to its conversations")]
    public static partial void Connected(ILogger logger, string consumer, string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer {Consumer} lost its connection ({Reason}); reconnecting in {DelayMs:F0} ms")]
    public static partial void Reconnecting(ILogger logger, string consumer, string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer {Consumer}: the server closed with {Code}; {Action} before reconnecting")]
    public static partial void AuthClose(ILogger logger, string consumer, int code, string action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer {Consumer}: rejected a {Bytes}-byte frame: {Reason}")]
    public static partial void FrameRejected(ILogger logger, string consumer, int bytes, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer {Consumer}: archived an unrecognised frame (kind {Kind}, type {Type}) as received")]
    public static partial void FrameUnrecognised(ILogger logger, string consumer, string kind, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer {Consumer}: rejected a change: {Reason}")]
    public static partial void ChangeRejected(ILogger logger, string consumer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer {Consumer}: the server refused to subscribe dialog {DialogId} (code {Code})")]
    public static partial void DialogRefused(ILogger logger, string consumer, string dialogId, int code);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "LivePerson__Tls is false: the worker talks ws:// and http:// to LivePerson, unencrypted. Use this only with the simulator on loopback.")]
    public static partial void TlsOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No consumers are configured (LivePerson__Consumers__0__Name, …): nothing will be archived")]
    public static partial void NoConsumers(ILogger logger);
}
