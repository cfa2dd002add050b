using System.Net;
using Archiver.Worker.Sessions.Identity;
using Archiver.Worker.Sessions.Ums;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Archiver.Worker.Sessions;

/// <summary>
/// Holds one consumer's session for as long as the worker runs: discover domains, get a token, connect, archive,
/// and when the connection ends, reconnect (Polly). Close code 4401 → a fresh token first; 4407 → the identity is
/// extended first; anything else → exponential backoff with jitter; 429 → at least a second (§2.4, §7).
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
    /// <summary>A connection that lasted this long was healthy: the backoff starts again from the first delay.</summary>
    private static readonly TimeSpan HealthyAfter = TimeSpan.FromSeconds(30);

    private enum TokenAction { Reuse, Renew, Extend }

    private TokenAction _next = TokenAction.Reuse;
    private int _failures;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var reconnect = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && !(e is OperationCanceledException && stoppingToken.IsCancellationRequested)),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(NextDelay(args.Outcome.Exception!)),
                OnRetry = args =>
                {
                    var reason = Reason(args.Outcome.Exception!);
                    context.Sessions.Reconnecting(reason);
                    SessionLog.Reconnecting(context.Logger, identity.Name, Describe(args.Outcome.Exception!), args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            })
            .Build();
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
        await using var connection = await UmsConnection.ConnectAsync(uri, jwt, connectionSettings, cancellationToken);
        var run = new ConnectionRun(connection, context, identity.Name);
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
            if (context.Time.GetElapsedTime(connectedAt) >= HealthyAfter)
                _failures = 0;
        }
    }

    private TimeSpan NextDelay(Exception failure)
    {
        switch (failure)
        {
            case UmsClosedException { CloseStatus: 4401 }:
                _next = TokenAction.Renew;
                SessionLog.AuthClose(context.Logger, identity.Name, 4401, "getting a fresh token");
                return Jitter(TimeSpan.FromMilliseconds(100));
            case UmsClosedException { CloseStatus: 4407 }:
                _next = TokenAction.Extend;
                SessionLog.AuthClose(context.Logger, identity.Name, 4407, "extending the identity");
                return Jitter(TimeSpan.FromMilliseconds(100));
            case FrameTooLargeException:
                context.Ingestion.FrameRejected("oversized");
                break;
            case UmsHandshakeException { Status: HttpStatusCode.Unauthorized }:
                _next = TokenAction.Renew; // the token was refused at the door: a fresh one, with backoff in case it keeps happening
                break;
        }
        var backoff = TimeSpan.FromMilliseconds(Math.Min(maxDelay.TotalMilliseconds, initialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(_failures, 20))));
        _failures++;
        if (failure is UmsRequestFailedException { Code: 429 } && backoff < TimeSpan.FromSeconds(1))
            backoff = TimeSpan.FromSeconds(1); // §7: wait at least a second after a 429
        return Jitter(backoff);
    }

    /// <summary>Between half and all of the delay, so many sessions dropped at once do not return at once.</summary>
    private static TimeSpan Jitter(TimeSpan delay) => delay / 2 + delay / 2 * Random.Shared.NextDouble();

    private static string Reason(Exception failure) => failure switch
    {
        UmsClosedException { CloseStatus: { } code } => $"close_{code}",
        UmsClosedException => "dropped",
        UmsHandshakeException { Status: var status } when status != 0 => $"handshake_{(int)status}",
        UmsHandshakeException => "handshake",
        UmsRequestFailedException { Code: var code } => $"response_{code}",
        FrameTooLargeException => "oversized_frame",
        TimeoutException => "timeout",
        IdpException => "idp",
        HttpRequestException => "http",
        _ => "error",
    };

    private static string Describe(Exception failure) => failure switch
    {
        // These messages are ours and carry no token; anything else is named by type only, in case it would.
        UmsClosedException or UmsHandshakeException or UmsRequestFailedException or FrameTooLargeException or TimeoutException or IdpException
            => failure.Message,
        HttpRequestException http => $"HTTP request failed ({http.HttpRequestError})",
        _ => failure.GetType().Name,
    };
}
