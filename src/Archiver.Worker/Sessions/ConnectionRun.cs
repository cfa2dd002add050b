using System.Threading.Channels;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Protocol;
using Archiver.Worker.Ingestion;
using Archiver.Worker.Sessions.Ums;
using Archiver.Worker.Store;
using Microsoft.Extensions.Logging;

namespace Archiver.Worker.Sessions;

/// <summary>
/// The life of one connection: a reader that hands every change to the archive channel (waiting when it is full, so
/// the socket stops being read), a subscriber that asks for conversations and then for each dialog's events from one
/// past what is committed, and a keep-alive. It ends — always with an exception — when any of them fails.
/// </summary>
internal sealed class ConnectionRun(UmsConnection connection, ConnectionContext context, string consumerName)
{
    private static readonly string[] AllConversationStates = ["OPEN", "CLOSE"];
    private const int SubscribeConcurrency = 32;

    private readonly Channel<DialogToFollow> _dialogs = Channel.CreateUnbounded<DialogToFollow>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<string> _followed = new(StringComparer.Ordinal);

    /// <summary>Raised once the conversation subscription is accepted: the session is then "connected".</summary>
    public event Action? Subscribed;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var parts = new[] { ReadAsync(stop.Token), SubscribeAsync(stop.Token), KeepAliveAsync(stop.Token) };
        var first = await Task.WhenAny(parts);
        await stop.CancelAsync();
        connection.Abort();
        try
        {
            await Task.WhenAll(parts);
        }
        catch (Exception) when (!first.IsFaulted)
        {
            // The first part ended without a fault (cancellation); a later fault is the reason.
        }
        await first; // rethrows the reason the connection ended
        throw new UmsClosedException(closeStatus: null, cause: null);
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var received = await connection.ReceiveAsync(cancellationToken);
            var receivedAt = context.Time.GetTimestamp();
            switch (received.Frame)
            {
                case null:
                    context.Ingestion.FrameRejected("malformed");
                    SessionLog.FrameRejected(context.Logger, consumerName, received.Bytes, received.Rejection?.Reason ?? "unreadable");
                    break;
                case ResponseFrame response when !response.IsSuccess:
                    context.Sessions.ErrorResponse(response.Code);
                    break;
                case ResponseFrame:
                    break;
                case MessagingNotification messaging:
                    context.Sessions.NotificationReceived();
                    await ArchiveMessagingAsync(messaging, receivedAt, cancellationToken);
                    break;
                case ConversationNotification conversations:
                    context.Sessions.NotificationReceived();
                    await ArchiveConversationsAsync(conversations, receivedAt, cancellationToken);
                    break;
                case UnrecognisedFrame unrecognised:
                    SessionLog.FrameUnrecognised(context.Logger, consumerName, unrecognised.Kind ?? "?", unrecognised.Type ?? "?");
                    await context.Channel.WriteAsync(
                        new ArchiveItem([ArchiveMapping.ForUnrecognised(consumerName, unrecognised.Json)], receivedAt), cancellationToken);
                    break;
            }
        }
    }

    private async Task ArchiveMessagingAsync(MessagingNotification notification, long receivedAt, CancellationToken cancellationToken)
    {
        CountRejected(notification.RejectedChanges);
        var events = new List<NewEvent>(notification.Changes.Count);
        foreach (var change in notification.Changes)
        {
            if (ArchiveMapping.ForMessaging(change, context.ArchiveChatStates) is { } e)
                events.Add(e);
        }
        if (events.Count > 0)
            await context.Channel.WriteAsync(new ArchiveItem(events, receivedAt), cancellationToken);
    }

    private async Task ArchiveConversationsAsync(ConversationNotification notification, long receivedAt, CancellationToken cancellationToken)
    {
        CountRejected(notification.RejectedChanges);
        foreach (var change in notification.Changes)
        {
            using var scope = context.Logger.BeginScope(new Dictionary<string, object> { ["ConversationId"] = change.ConversationId });
            var previous = await context.States.GetAsync(change.ConversationId, cancellationToken);
            var (events, latest) = ArchiveMapping.ForConversation(change, previous);
            await context.Channel.WriteAsync(new ArchiveItem(events, receivedAt), cancellationToken);
            context.States.Set(change.ConversationId, latest);
            Follow(change.Snapshot);
            foreach (var participant in change.Snapshot.Participants.Where(p => p.Role != "CONSUMER"))
                context.Agents.Want(participant.Id);
        }
    }

    /// <summary>Every messaging dialog of a conversation is subscribed once per connection (MAIN's id is the conversation's).</summary>
    private void Follow(ConversationSnapshot snapshot)
    {
        var dialogs = snapshot.Dialogs.Count == 0
            ? [new DialogSnapshot(snapshot.ConversationId, "MAIN", snapshot.State, "MESSAGING", null, null, null, null)]
            : snapshot.Dialogs;
        foreach (var dialog in dialogs)
        {
            // A co-browse/call dialog carries no messaging events (§6.3).
            if (dialog.ChannelType is { } channel && channel != "MESSAGING")
                continue;
            if (_followed.Add(dialog.DialogId))
                _dialogs.Writer.TryWrite(new DialogToFollow(dialog.DialogId, snapshot.ConversationId));
        }
    }

    private void CountRejected(IReadOnlyList<string> rejected)
    {
        foreach (var reason in rejected)
        {
            context.Ingestion.ChangeRejected();
            SessionLog.ChangeRejected(context.Logger, consumerName, reason);
        }
    }

    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        var response = await connection.RequestAsync(
            UmsRequestTypes.SubscribeExConversations, new SubscribeExConversationsBody(AllConversationStates), cancellationToken);
        if (!response.IsSuccess)
            throw new UmsRequestFailedException(UmsRequestTypes.SubscribeExConversations, response);
        Subscribed?.Invoke();

        var batch = new List<DialogToFollow>();
        while (await _dialogs.Reader.WaitToReadAsync(cancellationToken))
        {
            batch.Clear();
            while (batch.Count < 500 && _dialogs.Reader.TryRead(out var dialog))
                batch.Add(dialog);
            // Resume from what is committed, never from memory: a crash can then only cause re-delivery (architecture §3).
            var archived = await context.Store.GetMaxPositionsAsync(batch.Select(d => d.DialogId).ToList(), cancellationToken);
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = SubscribeConcurrency, CancellationToken = cancellationToken },
                async (dialog, ct) => await SubscribeDialogAsync(dialog, archived.TryGetValue(dialog.DialogId, out var max) ? max + 1 : 0, ct));
        }
    }

    private async Task SubscribeDialogAsync(DialogToFollow dialog, long fromSeq, CancellationToken cancellationToken)
    {
        using var scope = context.Logger.BeginScope(new Dictionary<string, object> { ["ConversationId"] = dialog.ConversationId, ["DialogId"] = dialog.DialogId });
        for (var attempt = 1; ; attempt++)
        {
            var response = await connection.RequestAsync(
                UmsRequestTypes.SubscribeMessagingEvents, new SubscribeMessagingEventsBody(dialog.DialogId, fromSeq, dialog.ConversationId), cancellationToken);
            if (response.IsSuccess)
                return;
            if (response.Code == 429)
            {
                // Throttled: wait at least a second (§7, retry policy) and ask again on this connection.
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt)) + TimeSpan.FromMilliseconds(Random.Shared.Next(250)), context.Time, cancellationToken);
                continue;
            }
            if (response.Code >= 500)
                throw new UmsRequestFailedException(UmsRequestTypes.SubscribeMessagingEvents, response); // reconnect and resubscribe all
            SessionLog.DialogRefused(context.Logger, consumerName, dialog.DialogId, response.Code);
            return;
        }
    }

    /// <summary>
    /// WebSocket pings (with a pong timeout) run inside the socket; this adds <c>.GetClock</c> when nothing has been
    /// received for a keep-alive interval, so a server that stops answering is noticed even if pongs still flow.
    /// </summary>
    private async Task KeepAliveAsync(CancellationToken cancellationToken)
    {
        var interval = context.KeepAlive;
        using var timer = new PeriodicTimer(interval, context.Time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (Environment.TickCount64 - connection.LastReceivedTick < interval.TotalMilliseconds)
                continue;
            var clock = await connection.RequestAsync(UmsRequestTypes.GetClock, null, cancellationToken);
            if (!clock.IsSuccess && clock.Code >= 500)
                throw new UmsRequestFailedException(UmsRequestTypes.GetClock, clock);
        }
    }

    private sealed record DialogToFollow(string DialogId, string ConversationId);
}

/// <summary>What every connection of every session shares.</summary>
internal sealed record ConnectionContext(
    ArchiveChannel Channel,
    ConversationStates States,
    IEventStore Store,
    IngestionMetrics Ingestion,
    SessionMetrics Sessions,
    TimeProvider Time,
    TimeSpan KeepAlive,
    bool ArchiveChatStates,
    AgentProfiles Agents,
    ILogger Logger);
