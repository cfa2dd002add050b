using System.Collections.Concurrent;
using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Domain.Protocol;
using Archiver.Worker.Store;

namespace Archiver.Worker.Ingestion;

/// <summary>
/// The latest archived state of each conversation, which a new observation is compared with to find what changed.
/// Seeded from the store the first time a conversation is seen in this process, so a restart diffs against what is
/// committed, not against nothing.
/// </summary>
public sealed class ConversationStates(IEventStore store)
{
    private readonly ConcurrentDictionary<string, ConversationSnapshot?> _latest = new(StringComparer.Ordinal);

    public async ValueTask<ConversationSnapshot?> GetAsync(string conversationId, CancellationToken cancellationToken)
    {
        if (_latest.TryGetValue(conversationId, out var known))
            return known;
        ConversationSnapshot? latest = null;
        await foreach (var recorded in store.ReadStreamAsync(ArchiveEventTypes.ConversationStream(conversationId), cancellationToken))
        {
            if (recorded.Type != ArchiveEventTypes.ConversationObserved)
                continue;
            using var document = JsonDocument.Parse(recorded.Body);
            if (ConversationChange.TryRead(document.RootElement, out _) is not { } change)
                continue;
            // The latest by the server's metaDataLastUpdateTs: an older state may have been archived after a newer one.
            if (latest is null || (change.Snapshot.LastUpdateTs ?? long.MinValue) >= (latest.LastUpdateTs ?? long.MinValue))
                latest = change.Snapshot;
        }
        _latest.TryAdd(conversationId, latest);
        return _latest[conversationId];
    }

    /// <summary>
    /// Remembers the latest state — unless the conversation is closed for good (stage CLOSE): then it stops being
    /// tracked, and if the server ever repeats it, it is read back from the store.
    /// </summary>
    public void Set(string conversationId, ConversationSnapshot latest)
    {
        if (latest.Stage == "CLOSE")
            _latest.TryRemove(conversationId, out _);
        else
            _latest[conversationId] = latest;
    }
}
