using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;

namespace Archiver.Bench;

/// <summary>
/// The consumer side shared by the simulator benchmark and its wire baseline: reads whole WebSocket messages and parses
/// each one (JsonDocument, as a real client must), counting the changes of messaging notifications. Both sides of the
/// comparison run exactly this code, so the ratio isolates what lies behind the socket.
/// </summary>
public sealed class WireReader(WebSocket socket, long expectedChanges)
{
    public const string MessagingNotification = "ms.MessagingEventNotification";
    public const string ConversationNotification = "cqm.ExConversationChangeNotification";

    private readonly TaskCompletionSource<TimeSpan> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _changes;
    private long _started = Stopwatch.GetTimestamp();

    /// <summary>Messaging notifications as received: (bytes, changes), in order (the baseline replays these).</summary>
    public List<(int Bytes, int Changes)> Frames { get; } = new(1 << 16);

    public long Changes => Interlocked.Read(ref _changes);

    public long ErrorResponses { get; private set; }

    /// <summary>Completes with the time of the last expected change, measured from <see cref="StartClock"/>.</summary>
    public Task<TimeSpan> Done => _done.Task;

    /// <summary>Called for every frame that is not a messaging notification (cqm notifications, responses).</summary>
    public Func<JsonElement, ValueTask>? OnOther { get; init; }

    public void StartClock() => Interlocked.Exchange(ref _started, Stopwatch.GetTimestamp());

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            while (true)
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
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                    break;
                await HandleAsync(buffer.AsMemory(0, length));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            _done.TrySetException(new InvalidOperationException($"The socket ended after {Changes:N0} of {expectedChanges:N0} changes: {e.Message}", e));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        _done.TrySetException(new InvalidOperationException($"The socket closed after {Changes:N0} of {expectedChanges:N0} changes."));
    }

    private async ValueTask HandleAsync(ReadOnlyMemory<byte> frame)
    {
        using var document = JsonDocument.Parse(frame);
        var root = document.RootElement;
        var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type == MessagingNotification && root.TryGetProperty("body", out var body) && body.TryGetProperty("changes", out var changes))
        {
            var count = changes.ValueKind == JsonValueKind.Array ? changes.GetArrayLength() : 1;
            Frames.Add((frame.Length, count));
            if (Interlocked.Add(ref _changes, count) >= expectedChanges)
                _done.TrySetResult(Stopwatch.GetElapsedTime(Interlocked.Read(ref _started)));
            return;
        }
        if (root.TryGetProperty("kind", out var kind) && kind.GetString() == "resp"
            && root.TryGetProperty("code", out var code) && code.GetInt32() != 200)
            ErrorResponses++;
        if (OnOther is not null)
            await OnOther(root);
    }
}
