using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Archiver.Simulator.Faults;
using Archiver.Simulator.World;

namespace Archiver.Simulator.Ums;

/// <summary>
/// One consumer's UMS WebSocket on the server side: a read loop that answers requests, and a single send loop fed by
/// a bounded queue (a consumer too slow to keep up is dropped, as a real server would). Faults act here.
/// </summary>
public sealed partial class ConsumerSocket : IConversationListener, IDisposable
{
    private const int MaxChangesPerNotification = 100;
    private const int RecentFrames = 64;

    private readonly WebSocket _socket;
    private readonly Action _abort;
    private readonly SimulatorWorld _world;
    private readonly SimConsumer _consumer;
    private readonly SimulatorStats _stats;
    private readonly FaultBoard _faults;
    private readonly Random _random;
    private readonly Channel<OutFrame> _queue;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly Dictionary<string, CqmSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dialogs = new(StringComparer.Ordinal);
    private readonly Queue<string> _recent = new();
    private readonly CancellationTokenSource _closed = new();
    private long _silentUntil;
    private long _delayUntil;
    private int _reorderRemaining;
    private FaultRecord? _reorderFault;
    private FaultRecord? _delayFault;
    private FaultRecord? _silenceFault;
    private long _lastReceived = Environment.TickCount64;

    private readonly SilenceGate? _gate;

    internal ConsumerSocket(WebSocket socket, Action abort, SimulatorWorld world, SimConsumer consumer, SimulatorStats stats, FaultBoard faults, int seed,
        SilenceGate? gate = null)
    {
        _gate = gate;
        _socket = socket;
        _abort = abort;
        _world = world;
        _consumer = consumer;
        _stats = stats;
        _faults = faults;
        _random = new Random(seed);
        _queue = Channel.CreateBounded<OutFrame>(new BoundedChannelOptions(world.Settings.MaxQueuedFrames) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public SimConsumer Consumer => _consumer;

    public int Subscriptions
    {
        get
        {
            lock (_world.Gate)
                return _subscriptions.Count + _dialogs.Count;
        }
    }

    public async Task RunAsync(DateTimeOffset tokenExpires, bool authenticated, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _closed.Token);
        lock (_world.Gate)
            _consumer.Connections.Add(this);
        _stats.Count("connections.total");
        try
        {
            var send = SendLoopAsync(linked.Token);
            var watch = WatchAsync(tokenExpires, authenticated, linked.Token);
            await ReadLoopAsync(linked.Token);
            await _closed.CancelAsync();
            _queue.Writer.TryComplete();
            await Task.WhenAll(Quietly(send), Quietly(watch));
        }
        finally
        {
            lock (_world.Gate)
                _consumer.Connections.Remove(this);
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ChannelClosedException or ObjectDisposedException or IOException)
        {
            // The socket is gone; nothing more to send.
        }
    }

    // ---- reading and requests -----------------------------------------------------------------------------------

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    await PauseWhileSilentAsync(cancellationToken); // no reads → no pongs: the client's keep-alive must notice
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // The client closed: the socket no longer counts as the consumer's from now (the client may connect
                    // again, or another worker take the consumer over, as soon as our answer arrives); counted when it
                    // said "normal closure" (a worker stopping a session on purpose); and answered, as a server does, so
                    // its close handshake completes.
                    lock (_world.Gate)
                    {
                        _consumer.Connections.Remove(this);
                        if (_socket.CloseStatus == WebSocketCloseStatus.NormalClosure)
                            _consumer.NormalCloses++;
                    }
                    await CloseAsync((int)(_socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure), "bye");
                    return;
                }
                Interlocked.Exchange(ref _lastReceived, Environment.TickCount64);
                _stats.Count("frames.received");
                await PauseWhileSilentAsync(cancellationToken);
                Handle(buffer.AsMemory(0, length));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // Client gone or fault applied.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Handle(ReadOnlyMemory<byte> frame)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame);
        }
        catch (JsonException)
        {
            _stats.Count("frames.malformed"); // docs/protocol.md §14.4: no answer, the connection stays open
            return;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                _stats.Count("frames.malformed");
                return;
            }
            var reqId = root.TryGetProperty("id", out var id) ? (id.ValueKind == JsonValueKind.Number ? id.GetRawText() : id.GetString()) : null;
            var type = Archiver.Domain.Protocol.ProtocolNames.Normalize(root.TryGetProperty("type", out var t) ? t.GetString() : null);
            if (reqId is null)
            {
                _stats.Count("frames.malformed");
                return;
            }
            _stats.Count($"requests.{type}");
            if (_faults.Take("ws", _consumer.Id) is { } owed)
            {
                _stats.Count($"fault.status.ws.{owed}");
                Respond(reqId, owed, Envelopes.Quote(owed == 429 ? "Too many requests" : "Internal server error"), type);
                return;
            }
            var body = root.TryGetProperty("body", out var b) ? b : default;
            try
            {
                Dispatch(reqId, type, body, root);
            }
            catch (WorldException e)
            {
                Respond(reqId, e.Code, Envelopes.Quote(e.Message), type);
            }
        }
    }

    private void Respond(string reqId, int code, string? bodyJson, string type) =>
        Enqueue(new OutFrame(Envelopes.Response(reqId, code, bodyJson, type, _random, _world.Settings.Quirks), null));

    // ---- listener (called under the world's lock) ------------------------------------------------------------------

    public void ConversationChanged(SimConversation conversation, string stateJson)
    {
        foreach (var (id, subscription) in _subscriptions)
        {
            if (subscription.Matches(conversation))
            {
                subscription.Matched.Add(conversation.Id);
                Enqueue(new OutFrame(Envelopes.ConversationNotification(id, [("UPSERT", stateJson)], _random, _world.Settings.Quirks), null));
            }
            else if (subscription.Matched.Remove(conversation.Id))
            {
                // docs/protocol.md §14.7: no longer matching the filter → DELETE with the full result.
                Enqueue(new OutFrame(Envelopes.ConversationNotification(id, [("DELETE", stateJson)], _random, _world.Settings.Quirks), null));
            }
        }
    }

    public void MessagingChange(string dialogId, string changeJson)
    {
        if (_dialogs.Contains(dialogId))
            Enqueue(new OutFrame(null, changeJson));
    }

    public void Close(int code, string reason) => _ = CloseAsync(code, reason);

    private void Enqueue(OutFrame frame)
    {
        if (!_queue.Writer.TryWrite(frame) && !_closed.IsCancellationRequested)
        {
            // The consumer does not keep up: drop it, as a real server would (docs/simulator.md).
            _stats.Count("connections.dropped_slow");
            Drop();
        }
    }

    // ---- sending ----------------------------------------------------------------------------------------------

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        var changes = new List<string>(MaxChangesPerNotification);
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            await PauseWhileSilentAsync(cancellationToken);
            var delay = Interlocked.Read(ref _delayUntil) - Environment.TickCount64;
            if (delay > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(delay), cancellationToken);
                Volatile.Read(ref _delayFault)?.Touch(reader.Count); // every frame queued now was held back
            }

            if (Volatile.Read(ref _reorderRemaining) > 0)
            {
                await SendReorderedAsync(cancellationToken);
                continue;
            }
            if (!reader.TryRead(out var frame))
                continue;
            if (frame.Change is null)
            {
                await SendFrameAsync(frame, cancellationToken);
                continue;
            }
            // Live messaging changes that queued up are sent together (the PCS example shows several per notification).
            changes.Clear();
            changes.Add(frame.Change);
            while (changes.Count < MaxChangesPerNotification && reader.TryPeek(out var next) && next.Change is not null && reader.TryRead(out next))
                changes.Add(next.Change!);
            await SendAsync(Envelopes.MessagingNotification(changes, _random, _world.Settings.Quirks), changes.Count, cancellationToken);
        }
    }

    private async Task SendReorderedAsync(CancellationToken cancellationToken)
    {
        var held = new List<OutFrame>();
        var deadline = Environment.TickCount64 + 300;
        while (held.Count < Volatile.Read(ref _reorderRemaining) && Environment.TickCount64 < deadline)
        {
            if (_queue.Reader.TryRead(out var frame))
                held.Add(frame);
            else
                await Task.Delay(10, cancellationToken);
        }
        Interlocked.Add(ref _reorderRemaining, -Math.Max(1, held.Count));
        _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(held));
        foreach (var frame in held)
        {
            if (frame.Change is null)
                await SendFrameAsync(frame, cancellationToken);
            else
                await SendAsync(Envelopes.MessagingNotification([frame.Change], _random, _world.Settings.Quirks), 1, cancellationToken);
        }
        _stats.Count("fault.reorder.frames", held.Count);
        Volatile.Read(ref _reorderFault)?.Touch(held.Count);
    }

    /// <summary>A frame that is not a batch of live changes: raw text or raw bytes; the fault that made it, if any, is told it reached the wire.</summary>
    private async Task SendFrameAsync(OutFrame frame, CancellationToken cancellationToken)
    {
        if (frame.Bytes is { } payload)
        {
            await SendBytesAsync(payload, frame.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, cancellationToken);
            _stats.Count("frames.sent");
        }
        else
        {
            await SendAsync(frame.Raw!, 0, cancellationToken);
        }
        frame.Fault?.Touch();
    }

    private async Task SendBytesAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        await _sendGate.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(payload, type, true, cancellationToken);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    private async Task SendAsync(string text, int changes, CancellationToken cancellationToken)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, bytes);
            await SendBytesAsync(bytes.AsMemory(0, length), WebSocketMessageType.Text, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
        _stats.Count("frames.sent");
        if (changes > 0)
            _stats.Count("changes.sent", changes);
        if (text.Length < 1_000_000)
        {
            lock (_recent)
            {
                _recent.Enqueue(text);
                if (_recent.Count > RecentFrames)
                    _recent.Dequeue();
            }
        }
    }

    private async Task PauseWhileSilentAsync(CancellationToken cancellationToken)
    {
        var remaining = Interlocked.Read(ref _silentUntil) - Environment.TickCount64;
        if (remaining > 0)
        {
            Volatile.Read(ref _silenceFault)?.TouchOnce();
            await Task.Delay(TimeSpan.FromMilliseconds(remaining), cancellationToken);
        }
    }

    /// <summary>
    /// Token expiry (4401 authenticated, 4407 otherwise) and idle closing (docs/protocol.md §2.3, §2.4).
    /// </summary>
    private async Task WatchAsync(DateTimeOffset tokenExpires, bool authenticated, CancellationToken cancellationToken)
    {
        var idle = _world.Settings.IdleTimeout;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, idle.TotalMilliseconds / 2)), cancellationToken);
            if (DateTimeOffset.UtcNow >= tokenExpires)
            {
                _stats.Count("connections.token_expired");
                await CloseAsync(authenticated ? 4401 : 4407, "token expired");
                return;
            }
            if (Environment.TickCount64 - Interlocked.Read(ref _lastReceived) > idle.TotalMilliseconds && Interlocked.Read(ref _silentUntil) < Environment.TickCount64)
            {
                _stats.Count("connections.idle_closed");
                await CloseAsync(1000, "idle");
                return;
            }
        }
    }

    // ---- faults ------------------------------------------------------------------------------------------------

    public void Drop(FaultRecord? fault = null)
    {
        _stats.Count("fault.drop");
        _abort();
        fault?.Touch();
        CancelQuietly();
    }

    private void CancelQuietly()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The socket already finished.
        }
    }

    /// <summary>Sends a close frame; the client's answering close ends the read loop. A client that never answers is cut after 3 s.</summary>
    public async Task CloseAsync(int code, string reason, FaultRecord? fault = null)
    {
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _sendGate.WaitAsync(quick.Token);
            try
            {
                await _socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, quick.Token);
                fault?.Touch();
            }
            finally
            {
                _sendGate.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Already gone.
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        CancelQuietly();
        _abort();
    }

    public void Duplicate(int count, FaultRecord? fault = null)
    {
        string[] again;
        lock (_recent)
            again = _recent.TakeLast(count).ToArray();
        foreach (var frame in again)
            Enqueue(new OutFrame(frame, null, fault));
        _stats.Count("fault.duplicate.frames", again.Length);
    }

    public void Reorder(int count, FaultRecord? fault = null)
    {
        Volatile.Write(ref _reorderFault, fault);
        Interlocked.Exchange(ref _reorderRemaining, count);
    }

    public void Delay(TimeSpan duration, FaultRecord? fault = null)
    {
        Volatile.Write(ref _delayFault, fault);
        Interlocked.Exchange(ref _delayUntil, Environment.TickCount64 + (long)duration.TotalMilliseconds);
    }

    public void Silence(TimeSpan duration, FaultRecord? fault = null)
    {
        Volatile.Write(ref _silenceFault, fault);
        Interlocked.Exchange(ref _silentUntil, Environment.TickCount64 + (long)duration.TotalMilliseconds);
        _gate?.Silence(duration, fault is null ? null : fault.TouchOnce); // no reads at all: pings go unanswered too
    }

    public void Malformed(FaultRecord? fault = null)
    {
        Enqueue(new OutFrame("this is not JSON {", null, fault));
        Enqueue(new OutFrame("""{"kind":"notification","type":"ms.MessagingEventNotification","body":{"changes":42}}""", null, fault));
        Enqueue(new OutFrame("""{"kind":"notification","type":"sim.UnknownNotification","body":{"hello":"world"}}""", null, fault));
    }

    public void Oversized(int bytes, FaultRecord? fault = null)
    {
        var padding = new string('x', Math.Max(bytes, 1024));
        Enqueue(new OutFrame($$$"""{"kind":"notification","type":"sim.Padding","body":{"padding":"{{{padding}}}"}}""", null, fault));
    }

    public void Dispose()
    {
        _closed.Dispose();
        _sendGate.Dispose();
    }

    /// <summary>
    /// A frame to send: raw text, raw bytes (hostile frames: binary, or text whose bytes the caller chose), or one messaging
    /// change (which may be sent together with the ones queued after it); <see cref="Fault"/> is told when it reaches the wire.
    /// </summary>
    private sealed record OutFrame(string? Raw, string? Change, FaultRecord? Fault = null, byte[]? Bytes = null, bool Binary = false);

    private sealed class CqmSubscription(HashSet<string> states, HashSet<string>? stages)
    {
        public HashSet<string> Matched { get; } = new(StringComparer.Ordinal);

        public bool Matches(SimConversation c) => states.Contains(c.State) && (stages is null || stages.Contains(c.Stage));
    }
}
