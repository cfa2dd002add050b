using System.Net.WebSockets;
using System.Text.Json;
using Archiver.Simulator.Control;
using Archiver.Simulator.Identity;
using Archiver.Simulator.Traffic;
using Archiver.Simulator.World;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Archiver.Simulator.Ums;

/// <summary>
/// The UMS consumer WebSocket (§1, §2.1): <c>/ws_api/account/{account}/messaging/consumer?v=3</c> with
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
        identity ??= await InitConnectionAsync(socket, tokens, http.RequestAborted);
        if (identity is not { } who)
        {
            await CloseQuietlyAsync(socket, 4401, "authentication required");
            return;
        }
        var consumer = world.FindConsumer(who.ConsumerId) ?? world.Consumer(who.ConsumerId, ConsumerMode.Signup);
        var stats = http.RequestServices.GetRequiredService<SimulatorStats>();
        using var connection = new ConsumerSocket(socket, http.Abort, world, consumer, stats,
            http.RequestServices.GetRequiredService<FaultBoard>(), world.Settings.Seed * 7919 + world.NextConnectionNumber(),
            http.Items[typeof(SilenceGate)] as SilenceGate);
        var scenario = http.RequestServices.GetRequiredService<ScenarioRunner>();
        connection.Subscribed += scenario.ConsumerSubscribed;
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

    /// <summary>No token on the handshake: the first frame must be InitConnection with a ConsumerAuthentication header (§2.1).</summary>
    private static async Task<(string, DateTimeOffset)?> InitConnectionAsync(WebSocket socket, TokenService tokens, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(5));
        var buffer = new byte[64 * 1024];
        try
        {
            var result = await socket.ReceiveAsync(buffer, wait.Token);
            using var document = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
            var root = document.RootElement;
            var jwt = root.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Array
                ? headers.EnumerateArray().Where(h => h.TryGetProperty("jwt", out _)).Select(h => h.GetProperty("jwt").GetString()).FirstOrDefault()
                : null;
            if (jwt is null || await tokens.ValidateConsumerAsync(jwt) is not { } identity)
                return null;
            var id = root.TryGetProperty("id", out var idElement) ? (idElement.ValueKind == JsonValueKind.Number ? idElement.GetRawText() : idElement.GetString()) : "0";
            var answer = System.Text.Encoding.UTF8.GetBytes($$"""{"kind":"resp","reqId":{{Envelopes.Quote(id ?? "0")}},"code":200,"body":"OK","type":".ReqBody$StringResp"}""");
            await socket.SendAsync(answer, WebSocketMessageType.Text, true, cancellationToken);
            return identity;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or JsonException)
        {
            return null;
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, int code, string reason)
    {
        try
        {
            await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }
    }
}
