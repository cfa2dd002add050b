using System.Net;
using Archiver.Worker.Sessions.Identity;
using Archiver.Worker.Sessions.Ums;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Archiver.Worker.Sessions;

/// <summary>
/// Holds one consumer's session for as long as the worker runs: discover domains, get a token, connect, archive,
/// and when the connection ends, reconnect (<see cref="ReconnectBackoff"/>). Close code 4401 → a fresh token first;
/// 4407 → the identity is extended first; a token refused at the handshake → a fresh one (docs/protocol.md §2.4, §7).
/// </summary>
internal sealed class ConsumerSession(
    ConsumerIdentity identity,
    DomainDirectory directory,
    ConnectionContext context,
    UmsConnectionSettings connectionSettings,
    string account,
    TimeSpan initialDelay,
    TimeSpan maxDelay)
{
    private enum TokenAction { Reuse, Renew, Extend }

    private readonly ReconnectBackoff _backoff = new(initialDelay, maxDelay, context.Time);
    private TokenAction _next = TokenAction.Reuse;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var reconnect = _backoff.Pipeline((failure, delay) =>
        {
            ChooseToken(failure);
            context.Sessions.Reconnecting(Reason(failure));
            SessionLog.Reconnecting(context.Logger, identity.Name, Describe(failure), delay.TotalMilliseconds);
        }, stoppingToken);
        using var scope = context.Logger.BeginScope(new Dictionary<string, object> { ["Consumer"] = identity.Name });
        try
        {
            await reconnect.ExecuteAsync(async ct => await ConnectAndArchiveAsync(ct), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the connection is closed; what was handed to the channel is drained by the writer.
        }
    }

    private async Task ConnectAndArchiveAsync(CancellationToken cancellationToken)
    {
        var domains = await directory.GetAsync(cancellationToken);
        var jwt = _next switch
        {
            TokenAction.Renew => await identity.RenewAsync(domains, cancellationToken),
            TokenAction.Extend => await identity.ExtendAsync(domains, cancellationToken),
            _ => await identity.GetJwtAsync(domains, cancellationToken),
        };
        _next = TokenAction.Reuse;

        var uri = domains.WebSocket(ServiceDomains.AsyncMessaging, $"/ws_api/account/{Uri.EscapeDataString(account)}/messaging/consumer?v=3");
        await using var connection = await UmsConnection.ConnectAsync(uri, jwt, connectionSettings, context.Time, cancellationToken);
        var run = new ConnectionRun(connection, context.Ingestion.Connect(identity.Name), context, identity.Name);
        var connectedAt = context.Time.GetTimestamp();
        var connected = false;
        run.Subscribed += () =>
        {
            connected = true;
            context.Sessions.Connected();
            SessionLog.Connected(context.Logger, identity.Name, uri.Authority);
        };
        try
        {
            await run.RunAsync(cancellationToken);
        }
        finally
        {
            if (connected)
                context.Sessions.Disconnected();
            _backoff.ConnectionLasted(context.Time.GetElapsedTime(connectedAt));
        }
    }

    /// <summary>What the next attempt does about its token, from how the connection ended.</summary>
    private void ChooseToken(Exception failure)
    {
        switch (failure)
        {
            case UmsClosedException { CloseStatus: 4401 }:
                _next = TokenAction.Renew;
                SessionLog.AuthClose(context.Logger, identity.Name, 4401, "getting a fresh token");
                break;
            case UmsClosedException { CloseStatus: 4407 }:
                _next = TokenAction.Extend;
                SessionLog.AuthClose(context.Logger, identity.Name, 4407, "extending the identity");
                break;
            case UmsHandshakeException { Status: HttpStatusCode.Unauthorized }:
                _next = TokenAction.Renew; // the token was refused at the door: a fresh one, with backoff in case it keeps happening
                break;
        }
    }

    /// <summary>
    /// The reason label of the reconnect metric. Codes come from the server, so only known ones get a label of their own:
    /// anything else shares one, and a server cannot create labels without limit.
    /// </summary>
    internal static string Reason(Exception failure) => failure switch
    {
        UmsClosedException { CloseStatus: { } code } => "close_" + SessionMetrics.CloseCodeLabel(code),
        UmsClosedException => "dropped",
        UmsHandshakeException { Status: var status } when status != 0 => "handshake_" + SessionMetrics.StatusLabel((int)status),
        UmsHandshakeException => "handshake",
        UmsRequestFailedException { Code: var code } => "response_" + SessionMetrics.StatusLabel(code),
        TimeoutException or TimeoutRejectedException => "timeout",
        IdpException => "idp",
        DomainApiException => "csds",
        HttpRequestException or BrokenCircuitException => "http",
        _ => "error",
    };

    private static string Describe(Exception failure) => failure switch
    {
        // These messages are ours and carry no token; anything else is named by type only, in case it would.
        // (Polly's timeout and open-circuit messages name a duration, never a URL.)
        UmsClosedException or UmsHandshakeException or UmsRequestFailedException or TimeoutException or IdpException
            or DomainApiException or TimeoutRejectedException or BrokenCircuitException
            => failure.Message,
        HttpRequestException http => $"HTTP request failed ({http.HttpRequestError})",
        _ => failure.GetType().Name,
    };
}
