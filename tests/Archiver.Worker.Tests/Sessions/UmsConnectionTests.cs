using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Archiver.Domain.Protocol;
using Archiver.Worker.Sessions.Ums;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Archiver.Worker.Tests.Sessions;

/// <summary>
/// The socket itself, against a real WebSocket server on loopback: a frame of exactly the limit is read; one byte more is
/// refused — read to its end, its first part, size and hash kept — and so is a binary frame; the connection stays open.
/// </summary>
public sealed class UmsConnectionTests
{
    private const int Limit = 4096;

    [Fact]
    public async Task Oversized_and_binary_frames_are_refused_and_kept_as_evidence_and_the_connection_stays_open()
    {
        var exact = Padded(Limit);
        var over = Padded(Limit + 1);
        byte[] binary = [0x00, 0xFF, 0x10, 0x80, 0x7B];
        var after = Encoding.UTF8.GetBytes("""{"kind":"notification","type":"after"}""");

        await using var server = await ServerAsync(async socket =>
        {
            await socket.SendAsync(exact, WebSocketMessageType.Text, true, CancellationToken.None);
            // The oversized frame in fragments, as a server may send a big one.
            for (var offset = 0; offset < over.Length; offset += 1000)
                await socket.SendAsync(over.AsMemory(offset, Math.Min(1000, over.Length - offset)), WebSocketMessageType.Text, offset + 1000 >= over.Length, CancellationToken.None);
            await socket.SendAsync(binary, WebSocketMessageType.Binary, true, CancellationToken.None);
            await socket.SendAsync(after, WebSocketMessageType.Text, true, CancellationToken.None);
        });
        await using var connection = await UmsConnection.ConnectAsync(server.Uri, "not-a-real-token",
            new UmsConnectionSettings(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), Limit), TimeProvider.System, CancellationToken.None);

        var first = await connection.ReceiveAsync(CancellationToken.None);
        Assert.IsType<UnrecognisedFrame>(first.Frame);
        Assert.Equal(Limit, first.Size);

        var second = await connection.ReceiveAsync(CancellationToken.None);
        Assert.Null(second.Frame);
        Assert.Equal(IssueReasons.FrameOversized, second.Rejection!.Reason);
        Assert.Equal(Limit + 1, second.Size);
        Assert.Equal(SHA256.HashData(over), second.Sha256);
        Assert.Equal(over.AsSpan(0, Limit).ToArray(), second.RejectedBytes); // what was held, never more than the limit

        var third = await connection.ReceiveAsync(CancellationToken.None);
        Assert.Equal(IssueReasons.FrameBinary, third.Rejection!.Reason);
        Assert.Equal(binary, third.RejectedBytes);
        Assert.Equal(SHA256.HashData(binary), third.Sha256);

        var fourth = await connection.ReceiveAsync(CancellationToken.None);
        Assert.Equal("after", Assert.IsType<UnrecognisedFrame>(fourth.Frame).Type);
    }

    [Fact]
    public async Task Frames_larger_than_the_idle_buffer_are_read_whole_between_small_ones_up_to_a_limit_that_is_no_power_of_two()
    {
        const int limit = 300_000;
        // Small frames wait on the small idle buffer; each larger one grows it (once past 64 KiB, twice past 128 KiB)
        // and the next wait starts small again. The last is one byte over a limit the pool's sizes do not round to.
        int[] sizes = [100, 5_000, 200, 70_000, 300, limit, 4_097, 150, limit + 1, 120];
        var frames = sizes.Select((size, i) => Padded(size, (char)('a' + i))).ToList();
        await using var server = await ServerAsync(async socket =>
        {
            foreach (var frame in frames)
            {
                for (var offset = 0; offset < frame.Length; offset += 16_000)
                    await socket.SendAsync(frame.AsMemory(offset, Math.Min(16_000, frame.Length - offset)), WebSocketMessageType.Text, offset + 16_000 >= frame.Length, CancellationToken.None);
            }
        });
        await using var connection = await UmsConnection.ConnectAsync(server.Uri, "not-a-real-token",
            new UmsConnectionSettings(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), limit), TimeProvider.System, CancellationToken.None);

        for (var i = 0; i < frames.Count; i++)
        {
            var received = await connection.ReceiveAsync(CancellationToken.None);
            Assert.Equal(sizes[i], received.Size);
            if (sizes[i] > limit)
            {
                Assert.Equal(IssueReasons.FrameOversized, received.Rejection!.Reason);
                Assert.Equal(SHA256.HashData(frames[i]), received.Sha256);
            }
            else
            {
                Assert.Equal(Encoding.UTF8.GetString(frames[i]), Assert.IsType<UnrecognisedFrame>(received.Frame).Json);
            }
        }
    }

    /// <summary>A well-formed notification of an unknown type, exactly <paramref name="size"/> bytes long.</summary>
    private static byte[] Padded(int size, char pad = 'a')
    {
        const string head = "{\"kind\":\"notification\",\"type\":\"padding\",\"body\":{\"pad\":\"", tail = "\"}}";
        return Encoding.UTF8.GetBytes(head + new string(pad, size - head.Length - tail.Length) + tail);
    }

    private static async Task<Server> ServerAsync(Func<WebSocket, Task> play)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/ws", async (HttpContext context) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await play(socket);
            var buffer = new byte[1024];
            try
            {
                while (socket.State == WebSocketState.Open && (await socket.ReceiveAsync(buffer, context.RequestAborted)).MessageType != WebSocketMessageType.Close)
                {
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The client went away.
            }
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        return new Server(app, new Uri($"ws://127.0.0.1:{address.Port}/ws"));
    }

    private sealed record Server(WebApplication App, Uri Uri) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await App.DisposeAsync();
    }
}
