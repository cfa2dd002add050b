using System.Diagnostics;
using System.Net.WebSockets;
using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Ums;

/// <summary>
/// docs/simulator.md: a bare socket (no token on the handshake) must authenticate with InitConnection within a few seconds, or it is
/// closed with 4401 — a close frame the client sees, not a cut connection (1006).
/// </summary>
public sealed class BareSocketTests
{
    [Fact]
    public void The_default_wait_for_InitConnection_is_5_seconds() =>
        Assert.Equal(TimeSpan.FromSeconds(5), new SimulatorSettings().InitConnectionTimeout);

    [Fact]
    public async Task A_bare_socket_that_never_authenticates_is_closed_with_4401()
    {
        await using var sim = await Sim.StartAsync(new SimulatorSettings { InitConnectionTimeout = TimeSpan.FromMilliseconds(600) });
        using var socket = new ClientWebSocket();
        using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        // Started before connecting: the server's wait begins once it has accepted, so it cannot end before this clock shows
        // the timeout, however late the client sees its connect complete.
        var clock = Stopwatch.StartNew();
        await socket.ConnectAsync(sim.UmsUri, connect.Token);

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await socket.ReceiveAsync(new byte[1024], wait.Token); // sends nothing, waits for the server
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(4401, (int?)result.CloseStatus);
        Assert.Equal(4401, (int?)socket.CloseStatus);
        Assert.False(string.IsNullOrEmpty(socket.CloseStatusDescription));
        Assert.InRange(clock.ElapsedMilliseconds, 600, 5000);

        // The close handshake completes: answering it closes the socket cleanly.
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", wait.Token);
        Assert.Equal(WebSocketState.Closed, socket.State);
    }

    [Fact]
    public async Task A_bare_socket_whose_InitConnection_token_is_refused_is_closed_with_4401()
    {
        await using var sim = await Sim.StartAsync();
        await using var ws = await UmsClient.ConnectAsync(sim.UmsUri, jwt: null);
        await ws.SendAsync("""{"kind":"req","id":"0","type":"InitConnection","headers":[{"type":".ams.headers.ConsumerAuthentication","jwt":"not-a-token"}]}""");
        Assert.Same(ws.Ended, await Task.WhenAny(ws.Ended, Task.Delay(TimeSpan.FromSeconds(6))));
        Assert.Equal(4401, (int?)ws.CloseStatus);
        Assert.Null(ws.Error);
        Assert.Empty(ws.Frames);
    }
}
