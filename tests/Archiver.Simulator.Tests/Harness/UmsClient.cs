using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Archiver.Simulator.Tests.Harness;

/// <summary>One frame received: its exact text, parsed when it is JSON, when it arrived, and its exact bytes and message type.</summary>
public sealed record Frame(int Index, string Text, JsonElement? Json, long ReceivedMs, byte[]? Bytes = null, WebSocketMessageType MessageType = WebSocketMessageType.Text)
{
    /// <summary>Deep enough for the hostile catalogue's deepest frame (300 levels); JsonDocument's default is 64.</summary>
    public static readonly JsonDocumentOptions Parsing = new() { MaxDepth = 1024 };

    public string? Kind => Str("kind");

    public string? Type => Str("type");

    public string? ReqId => Str("reqId");

    public int? Code => Json is { ValueKind: JsonValueKind.Object } j && j.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null;

    public JsonElement Body => Json is { ValueKind: JsonValueKind.Object } j && j.TryGetProperty("body", out var b) ? b : default;

    public bool IsResponse => Kind == "resp" || ReqId is not null;

    public bool IsMessaging => Kind == "notification" && Archiver.Domain.Protocol.ProtocolNames.IsMessagingEventNotification(Type);

    public bool IsConversation => Kind == "notification" && Archiver.Domain.Protocol.ProtocolNames.IsConversationChangeNotification(Type);

    /// <summary>body.changes as a list: a bare object (the single-element quirk) counts as one change.</summary>
    public IReadOnlyList<JsonElement> Changes => Wire.Changes(Body);

    private string? Str(string name) =>
        Json is { ValueKind: JsonValueKind.Object } j && j.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>
/// A real ClientWebSocket on the UMS endpoint that records every frame it receives (and how the connection ended), sends
/// requests and waits for their responses by reqId or for notifications.
/// </summary>
public sealed class UmsClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);
    private readonly ClientWebSocket _socket;
    private readonly List<Frame> _frames = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _receive;
    private int _nextId;

    private UmsClient(ClientWebSocket socket)
    {
        _socket = socket;
        _receive = Task.Run(ReceiveLoopAsync);
    }

    public WebSocket Socket => _socket;

    /// <summary>The close code the server sent, if it closed with a frame.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    /// <summary>The error that ended the read loop (an aborted connection), if any.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Completes when the read loop ends (close frame, abort, or error).</summary>
    public Task Ended => _receive;

    public long ElapsedMs => _clock.ElapsedMilliseconds;

    public int Count
    {
        get
        {
            lock (_frames)
                return _frames.Count;
        }
    }

    public IReadOnlyList<Frame> Frames
    {
        get
        {
            lock (_frames)
                return _frames.ToList();
        }
    }

    public static async Task<UmsClient> ConnectAsync(Uri uri, string? jwt, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        if (jwt is not null)
            socket.Options.SetRequestHeader("Authorization", "jwt " + jwt);
        configure?.Invoke(socket.Options);
        using var timeout = new CancellationTokenSource(DefaultWait);
        await socket.ConnectAsync(uri, timeout.Token);
        return new UmsClient(socket);
    }

    /// <summary>The HTTP status of a refused handshake (the socket is not opened).</summary>
    public static async Task<int> HandshakeStatusAsync(Uri uri, string jwt)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "jwt " + jwt);
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            using var timeout = new CancellationTokenSource(DefaultWait);
            await socket.ConnectAsync(uri, timeout.Token);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            return 101;
        }
        catch (WebSocketException)
        {
            return (int)socket.HttpStatusCode;
        }
    }

    public async Task SendAsync(string text)
    {
        using var timeout = new CancellationTokenSource(DefaultWait);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
    }

    public string NewId() => "t" + Interlocked.Increment(ref _nextId);

    /// <summary>Sends <c>{"kind":"req","id":…,"type":…,"body":…}</c>; returns the request id.</summary>
    public async Task<string> SendRequestAsync(string type, object? body = null)
    {
        var id = NewId();
        var request = new Dictionary<string, object?> { ["kind"] = "req", ["id"] = id, ["type"] = type };
        if (body is not null)
            request["body"] = body is string raw ? JsonDocument.Parse(raw).RootElement : body;
        await SendAsync(JsonSerializer.Serialize(request));
        return id;
    }

    public async Task<Frame> RequestAsync(string type, object? body = null) => await WaitResponseAsync(await SendRequestAsync(type, body));

    /// <summary>A request that must succeed: its response body.</summary>
    public async Task<JsonElement> RequestOkAsync(string type, object? body = null)
    {
        var response = await RequestAsync(type, body);
        Assert.True(response.Code == 200, $"{type} answered {response.Text}");
        return response.Body;
    }

    public async Task<Frame> WaitResponseAsync(string reqId, TimeSpan? timeout = null) =>
        (await WaitForAsync(f => f.IsResponse && f.ReqId == reqId, 1, timeout, $"the response to {reqId}"))[0];

    /// <summary>Waits until at least <paramref name="count"/> frames (from index <paramref name="from"/>) match; returns them all.</summary>
    public async Task<IReadOnlyList<Frame>> WaitForAsync(Func<Frame, bool> match, int count = 1, TimeSpan? timeout = null, string? what = null, int from = 0)
    {
        var deadline = _clock.Elapsed + (timeout ?? DefaultWait);
        while (true)
        {
            var matching = Frames.Skip(from).Where(match).ToList();
            if (matching.Count >= count)
                return matching;
            if (_clock.Elapsed > deadline)
                throw new TimeoutException($"{what ?? "frames"}: {matching.Count} of {count} within {(timeout ?? DefaultWait).TotalSeconds:F1} s; received:\n"
                    + string.Join("\n", Frames.Skip(from).Select(f => f.Text.Length > 400 ? f.Text[..400] + "…" : f.Text)));
            if (_receive.IsCompleted)
            {
                await Task.Delay(50);
                if (Frames.Skip(from).Count(match) < count)
                    throw new InvalidOperationException($"{what ?? "frames"}: the connection ended ({CloseStatus?.ToString() ?? Error?.Message}) with {matching.Count} of {count}");
                continue;
            }
            await Task.Delay(5);
        }
    }

    /// <summary>Waits until the socket has received nothing new for <paramref name="quiet"/>.</summary>
    public async Task QuietAsync(TimeSpan quiet)
    {
        var count = -1;
        while (count != Count)
        {
            count = Count;
            await Task.Delay(quiet);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = result.CloseStatus;
                    try
                    {
                        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", quick.Token);
                    }
                    catch (Exception e) when (e is WebSocketException or OperationCanceledException)
                    {
                    }
                    return;
                }
                var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                JsonElement? json;
                try
                {
                    json = result.MessageType == WebSocketMessageType.Text ? JsonDocument.Parse(text, Frame.Parsing).RootElement.Clone() : null;
                }
                catch (JsonException)
                {
                    json = null;
                }
                lock (_frames)
                    _frames.Add(new Frame(_frames.Count, text, json, _clock.ElapsedMilliseconds, message.ToArray(), result.MessageType));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            Error = e;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", quick.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }
        _socket.Abort();
        await Task.WhenAny(_receive, Task.Delay(1000));
        _socket.Dispose();
    }
}
