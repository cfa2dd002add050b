using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Archiver.Domain.Protocol;

namespace Archiver.Worker.Sessions.Ums;

/// <summary>
/// One UMS consumer WebSocket (§2): opened with <c>Authorization: jwt …</c>, kept alive by WebSocket ping/pong with a
/// timeout, requests correlated to responses by id with a timeout (§7), frames bounded in size (§14.5). When it closes,
/// every pending request fails at once (§2.4) — nothing waits across a reconnect.
/// </summary>
public sealed class UmsConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly int _maxFrameBytes;
    private readonly TimeSpan _requestTimeout;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ResponseFrame>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private long _nextId;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);

    private UmsConnection(ClientWebSocket socket, int maxFrameBytes, TimeSpan requestTimeout)
    {
        _socket = socket;
        _maxFrameBytes = maxFrameBytes;
        _requestTimeout = requestTimeout;
    }

    /// <summary>When the last frame arrived (a <see cref="Environment.TickCount64"/>), for the application-level keep-alive.</summary>
    public long LastReceivedTick { get; private set; } = Environment.TickCount64;

    public static async Task<UmsConnection> ConnectAsync(Uri uri, string jwt, UmsConnectionSettings settings, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "jwt " + jwt);
        socket.Options.KeepAliveInterval = settings.KeepAlive;
        socket.Options.KeepAliveTimeout = settings.KeepAliveTimeout; // ping/pong: an unanswered ping aborts the socket
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
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
        return new UmsConnection(socket, settings.MaxFrameBytes, settings.RequestTimeout);
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
            return await answer.Task.WaitAsync(_requestTimeout, cancellationToken);
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
    /// Reads the next frame. Responses complete their request and are also returned; the caller handles the rest.
    /// Throws <see cref="UmsClosedException"/> when the socket closes or breaks, <see cref="FrameTooLargeException"/>
    /// for a frame over the limit (the connection must then be reopened).
    /// </summary>
    public async Task<ReceivedFrame> ReceiveAsync(CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length)
                Grow(length);
            ValueWebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(_buffer.AsMemory(length), cancellationToken);
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
            length += result.Count;
            if (result.EndOfMessage)
                break;
        }
        LastReceivedTick = Environment.TickCount64;
        var frame = _buffer.AsMemory(0, length);
        var parsed = FrameParser.Parse(frame, out var rejection);
        if (parsed is ResponseFrame response && _pending.TryGetValue(response.ReqId, out var waiting))
            waiting.TrySetResult(response);
        return new ReceivedFrame(parsed, rejection, length);
    }

    private void Grow(int length)
    {
        if (length >= _maxFrameBytes)
            throw new FrameTooLargeException(_maxFrameBytes);
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

    /// <summary>Ends the connection without waiting for the server (used on errors and at shutdown).</summary>
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

/// <summary>A frame off the socket: parsed, or rejected with a reason (malformed); the size is for metrics.</summary>
public sealed record ReceivedFrame(ServerFrame? Frame, FrameRejection? Rejection, int Bytes);

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

/// <summary>A frame exceeded <c>LivePerson__MaxFrameBytes</c> (§14.5): rejected, counted, and the connection reopened.</summary>
public sealed class FrameTooLargeException : Exception
{
    public FrameTooLargeException(int limit) : base($"A frame exceeded the {limit}-byte limit (LivePerson__MaxFrameBytes).") { }

    public FrameTooLargeException() { }

    public FrameTooLargeException(string message) : base(message) { }

    public FrameTooLargeException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>Request frames as the worker sends them: the documented short names, string ids (§14.1).</summary>
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
