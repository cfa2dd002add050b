using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Protocol;
using Archiver.Worker.Store;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Logging;

namespace Archiver.Worker.Ingestion;

/// <summary>
/// One connection's ingestion: every frame handed over becomes archive items (nothing in a frame's content can make it
/// throw: what cannot be mapped is archived unmapped, with the reason), and every messaging dialog of the consumer's
/// conversations is planned for subscription once per connection, from one past what is committed.
/// </summary>
internal sealed partial class ConnectionIngestion(IngestionPipeline pipeline, string consumerName) : IConnectionIngestion
{
    /// <summary>Closed conversations this connection remembers having subscribed (a CSAT after the close needs no new subscription).</summary>
    private const int RememberClosed = 256;

    private readonly Channel<DialogToFollow> _toFollow = Channel.CreateUnbounded<DialogToFollow>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Open conversations' dialogs subscribed on this connection; dropped when the conversation closes.</summary>
    private readonly Dictionary<string, HashSet<string>> _followed = new(StringComparer.Ordinal);

    /// <summary>
    /// Made when the first conversation closes: an LRU of 256 preallocates ~5 KB, and a worker holds thousands of
    /// connections whose consumers may not close a conversation for hours (docs/benchmarks.md, "fleet"). Only the reader
    /// (<see cref="Follow"/>) touches it.
    /// </summary>
    private ConcurrentLru<string, bool>? _closed;

    private sealed record DialogToFollow(string DialogId, string ConversationId);

    public async ValueTask AcceptAsync(IncomingFrame frame, CancellationToken cancellationToken)
    {
        switch (frame.Frame)
        {
            case null when frame.Rejection is { } rejection:
                await RefuseAsync(frame, rejection, cancellationToken);
                break;
            case MessagingNotification messaging:
                await ArchiveMessagingAsync(messaging, frame.ReceivedAt, cancellationToken);
                break;
            case ConversationNotification conversations:
                await ArchiveConversationsAsync(conversations, frame.ReceivedAt, cancellationToken);
                break;
            case UnrecognisedFrame unrecognised:
                var (kind, type) = (Printable(unrecognised.Kind), Printable(unrecognised.Type));
                Log.FrameUnrecognised(pipeline.Logger, consumerName, kind, type);
                await pipeline.WriteAsync(new ArchiveItem([ArchiveMapping.ForUnrecognised(consumerName, unrecognised.Json)], frame.ReceivedAt)
                    { ConsumerName = consumerName }, cancellationToken);
                break;
        }
    }

    private async ValueTask RefuseAsync(IncomingFrame frame, FrameRejection rejection, CancellationToken cancellationToken)
    {
        pipeline.Metrics.FrameRejected(rejection.Reason);
        var record = RejectionRecord.ForFrame(consumerName, ArchiveIssue.Of(rejection.Reason, rejection.Detail), frame.RejectedBytes ?? [], frame.Size, frame.Sha256 ?? []);
        await pipeline.WriteAsync(new ArchiveItem([], frame.ReceivedAt) { FrameRejections = [record], ConsumerName = consumerName }, cancellationToken);
    }

    private async ValueTask ArchiveMessagingAsync(MessagingNotification notification, long receivedAt, CancellationToken cancellationToken)
    {
        var events = new List<NewEvent>(notification.Changes.Count);
        foreach (var change in notification.Changes)
        {
            NewEvent? e;
            try
            {
                e = ArchiveMapping.ForMessaging(change, consumerName, pipeline.ArchiveChatStates);
            }
            catch (Exception failure)
            {
                // The mapping is total; if it ever is not, this change is still archived, and the others of the frame too.
                e = ArchiveMapping.Unmapped(consumerName, change.Json, ArchiveIssue.Of(IssueReasons.MappingFailed, $"{failure.GetType().Name}: {failure.Message}"));
            }
            if (e is not null)
                events.Add(e);
        }
        if (events.Count > 0)
            await pipeline.WriteAsync(new ArchiveItem(events, receivedAt) { ConsumerName = consumerName }, cancellationToken);
    }

    private async ValueTask ArchiveConversationsAsync(ConversationNotification notification, long receivedAt, CancellationToken cancellationToken)
    {
        foreach (var change in notification.Changes)
        {
            using var scope = change.ConversationId is { } id && StreamKeys.Problem(id) is null
                ? pipeline.Logger.BeginScope(new Dictionary<string, object> { ["ConversationId"] = id })
                : null;
            var (events, committed) = await pipeline.Conversations.ObserveAsync(change, consumerName, cancellationToken);
            await pipeline.WriteAsync(new ArchiveItem(events, receivedAt) { ConsumerName = consumerName, Committed = committed }, cancellationToken);
            Follow(change);
        }
    }

    /// <summary>Every messaging dialog of a conversation is subscribed once per connection (MAIN's id is the conversation's).</summary>
    private void Follow(ConversationChange change)
    {
        if (StreamKeys.Problem(change.ConversationId) is not null)
            return;
        var conversationId = change.ConversationId!;
        var snapshot = change.Snapshot;
        if (_closed is not null && _closed.TryGet(conversationId, out _))
            return;
        if (!_followed.TryGetValue(conversationId, out var followed))
            _followed[conversationId] = followed = new HashSet<string>(StringComparer.Ordinal);
        var dialogs = snapshot.Dialogs.Count == 0
            ? [new DialogSnapshot(conversationId, "MAIN", snapshot.State, "MESSAGING", null, null, null, null)]
            : snapshot.Dialogs;
        foreach (var dialog in dialogs)
        {
            // A co-browse/call dialog carries no messaging events; an id that cannot name a stream cannot be archived.
            if (dialog.ChannelType is { } channel && channel != "MESSAGING" || StreamKeys.Problem(dialog.DialogId) is not null)
                continue;
            if (followed.Add(dialog.DialogId))
                _toFollow.Writer.TryWrite(new DialogToFollow(dialog.DialogId, conversationId));
        }
        if (snapshot.Stage == "CLOSE")
        {
            // Its dialogs are subscribed (or queued to be): the subscriptions stay on the server; only the memory goes.
            _followed.Remove(conversationId);
            (_closed ??= new ConcurrentLru<string, bool>(RememberClosed)).AddOrUpdate(conversationId, true);
        }
    }

    public async IAsyncEnumerable<IReadOnlyList<DialogSubscription>> SubscriptionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batch = new List<DialogToFollow>();
        while (await _toFollow.Reader.WaitToReadAsync(cancellationToken))
        {
            batch.Clear();
            while (batch.Count < 500 && _toFollow.Reader.TryRead(out var dialog))
                batch.Add(dialog);
            // Resume from what is committed, never from memory: a crash can then only cause re-delivery (docs/ingestion.md).
            var archived = await pipeline.Store.GetMaxPositionsAsync(batch.Select(d => d.DialogId).ToList(), cancellationToken);
            yield return batch.Select(d => new DialogSubscription(d.DialogId, d.ConversationId, archived.TryGetValue(d.DialogId, out var max) ? max + 1 : 0)).ToList();
        }
    }

    private static string Printable(string? value) => value is null ? "?" : ArchiveIssue.Of("", StreamKeys.Printable(value)).Detail;

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Consumer {Consumer}: archived an unrecognised frame (kind {Kind}, type {Type}) as received")]
        public static partial void FrameUnrecognised(ILogger logger, string consumer, string kind, string type);
    }
}
