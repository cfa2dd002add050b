using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Protocol;
using Archiver.Worker.Store;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Ingestion;

/// <summary>
/// The latest state received of each conversation, committed or still queued, which each new observation is diffed
/// against so that every fact (opened, joined, left, closed, CSAT…) is appended once (docs/ingestion.md). Two places:
/// <list type="bullet">
/// <item>conversations with items not yet committed are held in <c>_pending</c>, with their count, and never forgotten
/// while any is queued — forgetting one there and reading the store instead (which does not have the queued state yet)
/// is what once appended ConversationClosed twice;</item>
/// <item>once everything of a conversation is committed it moves to a bounded LRU map, or is forgotten when its stage is
/// CLOSE; a conversation not found in either is read back from the store, which then has all of it.</item>
/// </list>
/// Observations of one conversation come from one consumer's connection, one at a time.
/// </summary>
public sealed class ConversationTracker(IEventStore store, IOptions<IngestionOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentLru<string, ConversationSnapshot> _committed = new(Math.Max(2, options.Value.MaxTrackedConversations));

    private sealed class Pending(ConversationSnapshot? latest)
    {
        public ConversationSnapshot? Latest { get; set; } = latest;

        public int Items { get; set; }
    }

    /// <summary>Conversations with queued items, and conversations remembered after commit (for tests and metrics).</summary>
    public (int Pending, int Remembered) Count
    {
        get
        {
            lock (_gate)
                return (_pending.Count, _committed.Count);
        }
    }

    /// <summary>
    /// Maps one conversation change against the latest state and returns its events, and what to call once they are
    /// committed. Content never makes it throw (a change it cannot map is archived unmapped); reading the store can.
    /// </summary>
    public async ValueTask<(IReadOnlyList<NewEvent> Events, Action? Committed)> ObserveAsync(
        ConversationChange change, string consumerName, CancellationToken cancellationToken)
    {
        var id = change.ConversationId;
        if (StreamKeys.Problem(id) is not null)
            return (Map(change, null, consumerName).Events, null);

        var previous = await LatestAsync(id!, cancellationToken);
        var (events, latest) = Map(change, previous, consumerName);
        lock (_gate)
        {
            if (!_pending.TryGetValue(id!, out var pending))
                _pending[id!] = pending = new Pending(latest);
            pending.Latest = latest;
            pending.Items++;
            _committed.TryRemove(id!);
        }
        return (events, () => Committed(id!));
    }

    private static (IReadOnlyList<NewEvent> Events, ConversationSnapshot? Latest) Map(ConversationChange change, ConversationSnapshot? previous, string consumerName)
    {
        try
        {
            return ArchiveMapping.ForConversation(change, previous, consumerName);
        }
        catch (Exception e)
        {
            // The mapping is total; if it ever is not, the change is still archived, as received.
            return ([ArchiveMapping.Unmapped(consumerName, change.Json, ArchiveIssue.Of(IssueReasons.MappingFailed, $"{e.GetType().Name}: {e.Message}"))], previous);
        }
    }

    private void Committed(string conversationId)
    {
        lock (_gate)
        {
            if (!_pending.TryGetValue(conversationId, out var pending) || --pending.Items > 0)
                return;
            _pending.Remove(conversationId);
            if (pending.Latest is { Stage: not "CLOSE" } latest)
                _committed.AddOrUpdate(conversationId, latest);
        }
    }

    private async ValueTask<ConversationSnapshot?> LatestAsync(string conversationId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_pending.TryGetValue(conversationId, out var pending))
                return pending.Latest;
            if (_committed.TryGet(conversationId, out var remembered))
                return remembered;
        }
        // Not pending: everything received of it is committed, so the store has the latest state.
        ConversationSnapshot? latest = null;
        await foreach (var recorded in store.ReadStreamAsync(ArchiveEventTypes.ConversationStream(conversationId), cancellationToken))
        {
            if (recorded.Type != ArchiveEventTypes.ConversationObserved)
                continue;
            using var document = JsonLimits.Parse(recorded.Body);
            // The same rule the mapping applies (an older state never replaces the latest, an unreadable part is kept).
            latest = ArchiveMapping.Latest(latest, ConversationChange.Read(document.RootElement).Snapshot);
        }
        return latest;
    }
}
