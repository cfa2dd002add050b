using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using Archiver.Domain.Protocol;
using Archiver.Worker.Ingestion;

namespace Archiver.Worker.Sessions.Ums;

/// <summary>
/// One UMS consumer WebSocket (docs/protocol.md §2): opened with <c>Authorization: jwt …</c>, kept alive by WebSocket
/// ping/pong with a timeout, requests correlated to responses by id with a timeout (docs/protocol.md §7), frames
/// bounded in size (§14.5). When it closes, every pending request fails at once (docs/protocol.md §2.4) — nothing waits
/// across a reconnect. A frame's content never closes it: a frame over the size limit is read to its end without being
/// kept (only its first MiB, size and hash, as evidence), and a binary frame is refused the same way; both are handed
/// over as refused frames and the connection stays open.
/// </summary>
public sealed class UmsConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly TimeProvider _time;
    private readonly int _maxFrameBytes;
    private readonly TimeSpan _requestTimeout;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ResponseFrame>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private long _nextId;

    /// <summary>
    /// What a connection holds while it waits for a frame. A worker holds thousands of idle connections, so this is small
    /// (a 64 KiB buffer per connection was a quarter of a consumer's memory, docs/benchmarks.md "fleet"); a larger frame
    /// grows the buffer from the pool, up to the frame limit, and it is given back before the next wait.
    /// </summary>
    private const int IdleBufferBytes = 4 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(IdleBufferBytes);

    /// <summary>
    /// The handshakes' HTTP stack, shared: without one, every ClientWebSocket builds its own SocketsHttpHandler (with its
    /// connection pool and cleanup timer) and keeps it for the socket's life — a few KB per consumer and a timer each, on
    /// a worker holding thousands (docs/benchmarks.md, "fleet"). The upgraded connection leaves the pool, so sharing
    /// changes nothing else; no proxy, credential or certificate option is set per socket.
    /// </summary>
    private static readonly HttpMessageInvoker Handshakes = new(
        new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = TimeSpan.Zero }, disposeHandler: false);

    private UmsConnection(ClientWebSocket socket, int maxFrameBytes, TimeSpan requestTimeout, TimeProvider time)
    {
        _socket = socket;
        _maxFrameBytes = maxFrameBytes;
        _requestTimeout = requestTimeout;
        _time = time;
        LastReceivedAt = time.GetTimestamp();
    }

    /// <summary>When the last frame arrived (a timestamp of the injected <see cref="TimeProvider"/>), for the application-level keep-alive.</summary>
    public long LastReceivedAt { get; private set; }

    public static async Task<UmsConnection> ConnectAsync(Uri uri, string jwt, UmsConnectionSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "jwt " + jwt);
        socket.Options.KeepAliveInterval = settings.KeepAlive;
        socket.Options.KeepAliveTimeout = settings.KeepAliveTimeout; // ping/pong: an unanswered ping aborts the socket
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(uri, Handshakes, cancellationToken);
        }
        catch (WebSocketException e)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            // The exception's message may carry the URL, never the header; still, say only what happened.
            throw new UmsHandshakeException(status, e.WebSocketErrorCode);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new UmsConnection(socket, settings.MaxFrameBytes, settings.RequestTimeout, time);
    }

    /// <summary>Sends a request and waits for its response; a response with code ≥ 400 is returned, not thrown.</summary>
    public async Task<ResponseFrame> RequestAsync(string type, object? body, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var answer = new TaskCompletionSource<ResponseFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            await SendAsync(UmsRequests.Serialize(id, type, body), cancellationToken);
            return await answer.Task.WaitAsync(_requestTimeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No response to {type} (request {id}) within {_requestTimeout.TotalSeconds:F0} s.");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await _sendGate.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>
    /// Reads the next frame. Responses complete their request and are also returned; the caller hands every frame to
    /// ingestion. Throws <see cref="UmsClosedException"/> when the socket closes or breaks — never because of what a
    /// frame holds.
    /// </summary>
    public async Task<IncomingFrame> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_buffer.Length > IdleBufferBytes)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(IdleBufferBytes);
        }
        var length = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            if (length == _maxFrameBytes)
                return await DrainAsync(length, "oversized", cancellationToken);
            if (length == _buffer.Length)
                Grow(length);
            // Never past the limit, whatever size the pool rounded the buffer up to.
            result = await ReceivePartAsync(_buffer.AsMemory(length, Math.Min(_buffer.Length, _maxFrameBytes) - length), cancellationToken);
            length += result.Count;
            if (result.MessageType == WebSocketMessageType.Binary)
                return result.EndOfMessage ? Refuse(length, length, null, "binary") : await DrainAsync(length, "binary", cancellationToken);
        }
        while (!result.EndOfMessage);

        LastReceivedAt = _time.GetTimestamp();
        var parsed = FrameParser.Parse(_buffer.AsMemory(0, length), out var rejection);
        if (parsed is ResponseFrame response && _pending.TryGetValue(response.ReqId, out var waiting))
            waiting.TrySetResult(response);
        return parsed is not null ? IncomingFrame.Parsed(parsed, length, LastReceivedAt) : Refuse(length, length, null, rejection!);
    }

    private async ValueTask<ValueWebSocketReceiveResult> ReceivePartAsync(Memory<byte> into, CancellationToken cancellationToken)
    {
        ValueWebSocketReceiveResult result;
        try
        {
            result = await _socket.ReceiveAsync(into, cancellationToken);
        }
        catch (WebSocketException e)
        {
            throw Closed(e);
        }
        catch (IOException e)
        {
            throw Closed(e);
        }
        if (result.MessageType == WebSocketMessageType.Close)
            throw Closed(null);
        return result;
    }

    /// <summary>
    /// Reads the rest of a frame that is not kept (over the size limit, or binary) without holding it: what is in the
    /// buffer is kept as evidence (up to a MiB) and the whole frame is hashed, so the connection stays open and its
    /// stream stays in step.
    /// </summary>
    private async Task<IncomingFrame> DrainAsync(int held, string why, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(_buffer, 0, held);
        long total = held;
        var scratch = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            ValueWebSocketReceiveResult result;
            do
            {
                result = await ReceivePartAsync(scratch, cancellationToken);
                hash.AppendData(scratch, 0, result.Count);
                total += result.Count;
            }
            while (!result.EndOfMessage);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
        return Refuse(held, total, hash.GetHashAndReset(), why);
    }

    private IncomingFrame Refuse(int held, long total, byte[]? sha256, string why) => Refuse(held, total, sha256, why switch
    {
        "binary" => new FrameRejection(IssueReasons.FrameBinary, $"a binary frame of {total} bytes (the protocol sends text frames only)"),
        _ => new FrameRejection(IssueReasons.FrameOversized, $"a frame of {total} bytes, over the {_maxFrameBytes}-byte limit (LivePerson__MaxFrameBytes)"),
    });

    private IncomingFrame Refuse(int held, long total, byte[]? sha256, FrameRejection rejection)
    {
        LastReceivedAt = _time.GetTimestamp();
        var kept = _buffer.AsSpan(0, Math.Min(held, FrameRejection.KeptBytes)).ToArray();
        return IncomingFrame.Refused(rejection, kept, total, sha256 ?? SHA256.HashData(_buffer.AsSpan(0, held)), LastReceivedAt);
    }

    private void Grow(int length)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(_maxFrameBytes, Math.Max(length * 2, 64 * 1024)));
        _buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    private UmsClosedException Closed(Exception? cause)
    {
        var closed = new UmsClosedException((int?)_socket.CloseStatus, cause);
        FailPending(closed);
        return closed;
    }

    private void FailPending(Exception reason)
    {
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var waiting))
                waiting.TrySetException(reason);
        }
    }

    /// <summary>
    /// Sends a normal close (1000) and returns; the server's answering close then ends <see cref="ReceiveAsync"/>. Used
    /// when a session is stopped on purpose. Best effort within <paramref name="timeout"/>.
    /// </summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        if (_socket.State != WebSocketState.Open)
            return;
        try
        {
            using var quick = new CancellationTokenSource(timeout, _time);
            await _sendGate.WaitAsync(quick.Token);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", quick.Token);
            }
            finally
            {
                _sendGate.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Closing politely is a courtesy; the caller aborts the socket afterwards either way.
        }
    }

    /// <summary>Ends the connection without waiting for the server (used on errors).</summary>
    public void Abort()
    {
        _socket.Abort();
        FailPending(new UmsClosedException(closeStatus: null, cause: null));
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", quick.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
            {
                // Closing politely is a courtesy; the socket is aborted below either way.
            }
        }
        Abort();
        _socket.Dispose();
        _sendGate.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}

public sealed record UmsConnectionSettings(TimeSpan KeepAlive, TimeSpan KeepAliveTimeout, TimeSpan RequestTimeout, int MaxFrameBytes);

/// <summary>The connection closed or broke. <see cref="CloseStatus"/> is the server's close code when it sent one.</summary>
public sealed class UmsClosedException : Exception
{
    public UmsClosedException(int? closeStatus, Exception? cause)
        : base(closeStatus is { } code ? $"The UMS connection was closed with code {code}." : "The UMS connection broke.", cause)
    {
        CloseStatus = closeStatus;
    }

    public UmsClosedException() { }

    public UmsClosedException(string message) : base(message) { }

    public UmsClosedException(string message, Exception innerException) : base(message, innerException) { }

    public int? CloseStatus { get; }
}

/// <summary>The WebSocket handshake failed; <see cref="Status"/> is the HTTP status when there was one (401 = token refused).</summary>
public sealed class UmsHandshakeException : Exception
{
    public UmsHandshakeException(HttpStatusCode status, WebSocketError error)
        : base($"The UMS WebSocket handshake failed ({(status == 0 ? error.ToString() : $"HTTP {(int)status}")}).")
    {
        Status = status;
    }

    public UmsHandshakeException() { }

    public UmsHandshakeException(string message) : base(message) { }

    public UmsHandshakeException(string message, Exception innerException) : base(message, innerException) { }

    public HttpStatusCode Status { get; }
}

/// <summary>Request frames as the worker sends them: the documented short names, string ids
/// (docs/protocol.md §14.1).</summary>
internal static class UmsRequests
{
    public static byte[] Serialize(string id, string type, object? body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", "req");
            writer.WriteString("id", id);
            writer.WriteString("type", type);
            writer.WritePropertyName("body");
            if (body is null)
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
            else
            {
                JsonSerializer.Serialize(writer, body, body.GetType(), UmsJson.Default);
            }
            writer.WriteEndObject();
        }
        return stream.ToArray();
    }

    public static string Describe(ResponseFrame response) =>
        response.BodyJson is { Length: > 0 } body ? $"{response.Code}: {Truncate(body)}" : response.Code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
