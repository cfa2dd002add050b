using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Archiver.Simulator;
using Archiver.Simulator.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Archiver.Bench;

/// <summary>
/// <c>bench/run simulator</c>: how many messaging changes per second the simulator delivers on ONE consumer connection
/// in load mode at max rate (the consumer subscribes to conversations, then to each dialog as it appears), against the
/// baseline of the same changes, pre-serialised in notification frames of the same sizes and batching, written through
/// a plain loopback WebSocket (a bare Kestrel endpoint) to the same reader: the wire's capacity, in one run.
/// </summary>
public static class SimulatorBenchmark
{
    public static async Task<BenchmarkResult> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var total = BenchmarkRunner.IntArgument(args, "--events", 1_000_000);
        var conversations = BenchmarkRunner.IntArgument(args, "--conversations", 100);
        var messages = Math.Max(1, total / conversations);
        var expected = (long)conversations * messages;
        Console.Error.WriteLine($"simulator: {conversations} conversations × {messages:N0} messages = {expected:N0} changes on one connection, max rate");

        List<(int Bytes, int Changes)> frames;
        double rate;
        List<string> changes;
        await using (var simulator = await SimulatorHost.StartAsync(new SimulatorSettings { Seed = 1, Quirks = false }, cancellationToken))
        {
            using var http = new HttpClient { BaseAddress = simulator.BaseUri, Timeout = TimeSpan.FromMinutes(10) };
            (frames, rate) = await MeasureSimulatorAsync(simulator, http, conversations, messages, expected, cancellationToken);
            changes = await GroundTruthChangesAsync(http, cancellationToken);
        }
        if (changes.Count != expected)
            throw new InvalidOperationException($"The ground truth holds {changes.Count:N0} messaging changes, expected {expected:N0}.");

        var baselineRate = await MeasureWireAsync(BaselineFrames(frames, changes), expected, cancellationToken);
        return BenchmarkResult.Of("simulator", expected, rate, baselineRate);
    }

    private static async Task<(List<(int Bytes, int Changes)> Frames, double Rate)> MeasureSimulatorAsync(
        SimulatorHost simulator, HttpClient http, int conversations, int messages, long expected, CancellationToken cancellationToken)
    {
        using var signup = await http.PostAsync($"api/account/{simulator.Account}/signup", null, cancellationToken);
        signup.EnsureSuccessStatusCode();
        var jwt = (await signup.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("jwt").GetString()!;

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "jwt " + jwt);
        await socket.ConnectAsync(new Uri($"ws://{simulator.HostAndPort}/ws_api/account/{simulator.Account}/messaging/consumer?v=3"), cancellationToken);

        var subscribed = new HashSet<string>(StringComparer.Ordinal);
        var requestId = 1;
        var conversationsSubscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = new WireReader(socket, expected)
        {
            OnOther = async root =>
            {
                if (root.TryGetProperty("kind", out var kind) && kind.GetString() == "resp" && root.GetProperty("reqId").GetString() == "1")
                    conversationsSubscribed.TrySetResult();
                if (root.TryGetProperty("type", out var type) && type.GetString() == WireReader.ConversationNotification)
                {
                    foreach (var dialogId in DialogIds(root.GetProperty("body")))
                    {
                        if (subscribed.Add(dialogId))
                        {
                            await SendAsync(socket, $$$"""{"kind":"req","id":"{{{++requestId}}}","type":"ms.SubscribeMessagingEvents","body":{"dialogId":"{{{dialogId}}}","fromSeq":0}}""",
                                cancellationToken);
                        }
                    }
                }
            },
        };
        await SendAsync(socket, """{"kind":"req","id":"1","type":"cqm.SubscribeExConversations","body":{"convState":["OPEN","CLOSE"]}}""", cancellationToken);

        var reading = Task.Run(() => reader.RunAsync(cancellationToken), cancellationToken);
        await conversationsSubscribed.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

        reader.StartClock();
        var load = await PostLoadAsync(http, conversations, messages, cancellationToken);
        Console.Error.WriteLine($"simulator: load emitted {load.Changes:N0} changes in {load.ElapsedMs / 1000:F2} s " +
                                $"({load.Changes / (load.ElapsedMs / 1000):N0} changes/s emitted), {reader.Changes:N0} received so far");
        var elapsed = await reader.Done.WaitAsync(TimeSpan.FromMinutes(10), cancellationToken);
        var rate = expected / elapsed.TotalSeconds;
        Console.Error.WriteLine($"simulator: {expected:N0} changes received in {elapsed.TotalSeconds:F2} s, {rate:N0} changes/s on one connection; " +
                                $"{reader.Frames.Count:N0} notifications, {reader.Frames.Average(f => f.Changes):F1} changes and " +
                                $"{reader.Frames.Average(f => f.Bytes):N0} bytes per notification; {subscribed.Count} dialogs subscribed; {reader.ErrorResponses} error responses");
        Console.Error.WriteLine($"simulator: stats {await http.GetStringAsync("control/stats", cancellationToken)}");

        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", cancellationToken);
            await reading.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException)
        {
            // The simulator is disposed next anyway.
        }
        return (reader.Frames, rate);

        static async Task<(long Changes, double ElapsedMs)> PostLoadAsync(HttpClient http, int conversations, int messages, CancellationToken cancellationToken)
        {
            using var response = await http.PostAsJsonAsync("control/load",
                new { conversationsPerConsumer = conversations, messagesPerConversation = messages, ratePerSecond = 0 }, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"POST control/load answered {(int)response.StatusCode}: {text}");
            using var document = JsonDocument.Parse(text);
            return (document.RootElement.GetProperty("changes").GetInt64(), document.RootElement.GetProperty("elapsedMs").GetDouble());
        }
    }

    /// <summary>The dialogs announced by a cqm notification (changes as an array or a bare element).</summary>
    private static IEnumerable<string> DialogIds(JsonElement body)
    {
        if (!body.TryGetProperty("changes", out var changes))
            yield break;
        var list = changes.ValueKind == JsonValueKind.Array ? changes.EnumerateArray().ToList() : [changes];
        foreach (var change in list)
        {
            if (change.TryGetProperty("result", out var result) && result.TryGetProperty("conversationDetails", out var details)
                && details.TryGetProperty("dialogs", out var dialogs) && dialogs.ValueKind == JsonValueKind.Array)
            {
                foreach (var dialog in dialogs.EnumerateArray())
                {
                    if (dialog.TryGetProperty("dialogId", out var id) && id.GetString() is { } dialogId)
                        yield return dialogId;
                }
            }
        }
    }

    private static Task SendAsync(WebSocket socket, string text, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);

    /// <summary>Every messaging change the simulator emitted, as the exact JSON that went on the wire.</summary>
    private static async Task<List<string>> GroundTruthChangesAsync(HttpClient http, CancellationToken cancellationToken)
    {
        await using var stream = await http.GetStreamAsync("control/ground-truth", cancellationToken);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        return document.RootElement.GetProperty("conversations").EnumerateArray()
            .SelectMany(c => c.GetProperty("dialogs").EnumerateArray())
            .SelectMany(d => d.GetProperty("events").EnumerateArray())
            .Select(e => e.GetRawText())
            .ToList();
    }

    /// <summary>The same changes in notifications of the same batching as received (the simulator's envelope, no quirks).</summary>
    private static List<byte[]> BaselineFrames(List<(int Bytes, int Changes)> received, List<string> changes)
    {
        var frames = new List<byte[]>(received.Count);
        var next = 0;
        var builder = new StringBuilder(64 * 1024);
        foreach (var (_, count) in received)
        {
            builder.Clear().Append("{\"kind\":\"notification\",\"body\":{\"changes\":[");
            for (var i = 0; i < count; i++)
            {
                if (i > 0)
                    builder.Append(',');
                builder.Append(changes[next++]);
            }
            builder.Append("]},\"type\":\"ms.MessagingEventNotification\"}");
            frames.Add(Encoding.UTF8.GetBytes(builder.ToString()));
        }
        Console.Error.WriteLine($"simulator: baseline {frames.Count:N0} frames, {frames.Sum(f => (long)f.Length) / frames.Count:N0} bytes per frame " +
                                $"(received: {received.Sum(f => (long)f.Bytes) / received.Count:N0})");
        return frames;
    }

    /// <summary>The pre-serialised frames through a bare Kestrel WebSocket endpoint on loopback to the same reader.</summary>
    private static async Task<double> MeasureWireAsync(List<byte[]> frames, long expected, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.UseWebSockets();
        app.Map("/wire", async (HttpContext context) =>
        {
            using var server = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
            var go = new byte[16];
            await server.ReceiveAsync(go, context.RequestAborted); // the client starts its clock, then says go
            foreach (var frame in frames)
                await server.SendAsync(frame, WebSocketMessageType.Text, true, context.RequestAborted);
            await server.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + "/wire"), cancellationToken);
        var reader = new WireReader(socket, expected);
        reader.StartClock();
        await socket.SendAsync("go"u8.ToArray(), WebSocketMessageType.Text, true, cancellationToken);
        var reading = reader.RunAsync(cancellationToken);
        var elapsed = await reader.Done.WaitAsync(TimeSpan.FromMinutes(10), cancellationToken);
        await reading;
        await app.StopAsync(cancellationToken);
        var rate = expected / elapsed.TotalSeconds;
        Console.Error.WriteLine($"simulator: wire baseline {expected:N0} changes in {elapsed.TotalSeconds:F2} s, {rate:N0} changes/s");
        return rate;
    }
}
