using System.Net.WebSockets;
using System.Text.Json;
using Archiver.Simulator.Faults;
using Archiver.Simulator.Identity;
using Archiver.Simulator.Traffic;
using Archiver.Simulator.World;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Archiver.Simulator.Ums;

/// <summary>
/// The UMS consumer WebSocket (docs/protocol.md §1, §2.1): <c>/ws_api/account/{account}/messaging/consumer?v=3</c> with
/// <c>Authorization: jwt …</c>, the token-in-path form, or a bare socket followed by <c>InitConnection</c>.
/// </summary>
public static class UmsEndpoint
{
    public static IEndpointRouteBuilder MapUms(this IEndpointRouteBuilder app)
    {
        app.Map("/ws_api/account/{account}/messaging/consumer", (HttpContext http, string account) => AcceptAsync(http, account, null));
        app.Map("/ws_api/account/{account}/messaging/consumer/{jwt}", (HttpContext http, string account, string jwt) => AcceptAsync(http, account, jwt));
        return app;
    }

    private static async Task AcceptAsync(HttpContext http, string account, string? pathToken)
    {
        var world = http.RequestServices.GetRequiredService<SimulatorWorld>();
        var tokens = http.RequestServices.GetRequiredService<TokenService>();
        if (!http.WebSockets.IsWebSocketRequest || account != world.Account)
        {
            http.Response.StatusCode = account != world.Account ? 404 : 400;
            return;
        }
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("jwt ", StringComparison.OrdinalIgnoreCase) ? header[4..].Trim() : pathToken;
        (string ConsumerId, DateTimeOffset Expires)? identity = null;
        if (token is not null)
        {
            identity = await tokens.ValidateConsumerAsync(token);
            if (identity is null)
            {
                http.Response.StatusCode = 401; // refused at the door: expired, not ours, or for another account
                return;
            }
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
        identity ??= await InitConnectionAsync(socket, tokens, world.Settings.InitConnectionTimeout, http.RequestAborted);
        if (identity is not { } who)
            return; // closed with 4401 (or the client went away)
        var consumer = world.FindConsumer(who.ConsumerId) ?? world.Consumer(who.ConsumerId, ConsumerMode.Signup);
        var stats = http.RequestServices.GetRequiredService<SimulatorStats>();
        using var connection = new ConsumerSocket(socket, http.Abort, world, consumer, stats,
            http.RequestServices.GetRequiredService<FaultBoard>(), world.Settings.Seed * 7919 + world.NextConnectionNumber(),
            http.Items[typeof(SilenceGate)] as SilenceGate);
        var scenario = http.RequestServices.GetRequiredService<ScenarioRunner>();
        connection.Subscribed += s => scenario.ConsumerSubscribed(s.Consumer);
        var lifetime = http.RequestServices.GetRequiredService<IHostApplicationLifetime>();
        stats.Count("connections.open");
        try
        {
            await connection.RunAsync(who.Expires, consumer.Mode == ConsumerMode.Authenticated, lifetime.ApplicationStopping);
        }
        finally
        {
            stats.Count("connections.open", -1);
        }
    }

    /// <summary>
    /// No token on the handshake: the first frame must be InitConnection with a ConsumerAuthentication header, within
    /// <paramref name="timeout"/> (docs/simulator.md). Otherwise the socket is closed with 4401 — a close frame and handshake, not a
    /// cancelled receive: cancelling a pending ReceiveAsync aborts the socket, and the client would see 1006 instead.
    /// </summary>
    private static async Task<(string, DateTimeOffset)?> InitConnectionAsync(WebSocket socket, TokenService tokens, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        using var deadline = new CancellationTokenSource(timeout);
        Task<WebSocketReceiveResult>? receive = null;
        try
        {
            WebSocketReceiveResult result;
            do
            {
                if (length == buffer.Length)
                    return await RefuseAsync(socket, null, "InitConnection too large");
                receive = socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), cancellationToken);
                // Wait for the frame without cancelling the receive itself: on timeout the receive stays pending, to take the client's close.
                await Task.WhenAny(receive, Task.Delay(Timeout.Infinite, deadline.Token));
                if (!receive.IsCompleted)
                    return await RefuseAsync(socket, receive, "authentication required");
                result = await receive;
                receive = null;
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // The client left first, unauthenticated: answer its close (with 4401) so the handshake completes.
                    using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.CloseOutputAsync((WebSocketCloseStatus)4401, "authentication required", quick.Token);
                    return null;
                }
                length += result.Count;
            }
            while (!result.EndOfMessage);

            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            var root = document.RootElement;
            var jwt = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Array
                ? headers.EnumerateArray().Where(h => h.ValueKind == JsonValueKind.Object && h.TryGetProperty("jwt", out var j) && j.ValueKind == JsonValueKind.String)
                    .Select(h => h.GetProperty("jwt").GetString()).FirstOrDefault()
                : null;
            if (jwt is null || await tokens.ValidateConsumerAsync(jwt) is not { } identity)
                return await RefuseAsync(socket, null, "authentication required");
            var id = root.TryGetProperty("id", out var idElement) ? (idElement.ValueKind == JsonValueKind.Number ? idElement.GetRawText() : idElement.GetString()) : "0";
            var answer = System.Text.Encoding.UTF8.GetBytes($$"""{"kind":"resp","reqId":{{Envelopes.Quote(id ?? "0")}},"code":200,"body":"OK","type":".ReqBody$StringResp"}""");
            await socket.SendAsync(answer, WebSocketMessageType.Text, true, cancellationToken);
            return identity;
        }
        catch (JsonException)
        {
            return await RefuseAsync(socket, null, "authentication required");
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or InvalidOperationException)
        {
            return null; // the client went away (or sent something unreadable as an id)
        }
    }

    /// <summary>
    /// Closes with 4401: the close frame, then up to 2 s for the client's answering close (read by the receive already
    /// pending, if any); a client that does not answer is cut.
    /// </summary>
    private static async Task<(string, DateTimeOffset)?> RefuseAsync(WebSocket socket, Task<WebSocketReceiveResult>? pending, string reason)
    {
        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await socket.CloseOutputAsync((WebSocketCloseStatus)4401, reason, quick.Token);
            var buffer = new byte[4096];
            while (true)
            {
                pending ??= socket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None);
                await Task.WhenAny(pending, Task.Delay(Timeout.Infinite, quick.Token));
                if (!pending.IsCompleted)
                    break;
                if ((await pending).MessageType == WebSocketMessageType.Close)
                    return null; // handshake complete
                pending = null; // a late frame: ignored, keep waiting for the close
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client is gone already.
        }
        socket.Abort();
        if (pending is not null)
        {
            try
            {
                await pending;
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
            {
                // Aborted, as meant.
            }
        }
        return null;
    }

    /// <summary>The sockets of a consumer (null: of every consumer) open now.</summary>
    internal static List<ConsumerSocket> Sockets(SimulatorWorld world, string? consumerId)
    {
        lock (world.Gate)
        {
            return world.Consumers().Where(c => consumerId is null || c.Id == consumerId)
                .SelectMany(c => c.Connections.OfType<ConsumerSocket>()).ToList();
        }
    }
}
