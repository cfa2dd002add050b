using System.Text.Json;
using Archiver.Domain.Events;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Archive;

/// <summary>Pure: a received change → the events to append. The received JSON is always kept verbatim.</summary>
public static class ArchiveMapping
{
    /// <summary>
    /// A messaging change keyed (dialogId, sequence). A ChatStateEvent has no sequence: it goes to the dialog's
    /// chat-state stream with a store-assigned position when <paramref name="archiveChatStates"/>, else nowhere (null).
    /// </summary>
    public static NewEvent? ForMessaging(MessagingChange change, bool archiveChatStates)
    {
        var serverTs = change.ServerTimestamp is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        if (change.Sequence is { } sequence)
            return new NewEvent(change.DialogId, sequence, change.EventType, change.Json, serverTs);
        return archiveChatStates
            ? new NewEvent(ArchiveEventTypes.ChatStateStream(change.DialogId), null, change.EventType, change.Json, serverTs)
            : null;
    }

    /// <summary>
    /// A conversation change: its verbatim observation (deduplicated by normalised state, so a state repeated after a
    /// resubscribe is recognised), and — unless it is older than the latest archived state — what changed since.
    /// </summary>
    /// <returns>The events and the conversation's latest state afterwards.</returns>
    public static (IReadOnlyList<NewEvent> Events, ConversationSnapshot Latest) ForConversation(
        ConversationChange change, ConversationSnapshot? latest)
    {
        var snapshot = change.Snapshot;
        var key = snapshot.StateKey(change.ChangeType);
        var observedAt = snapshot.LastUpdateTs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        var stream = ArchiveEventTypes.ConversationStream(change.ConversationId);
        var events = new List<NewEvent>
        {
            new(stream, null, ArchiveEventTypes.ConversationObserved, change.Json, observedAt, key),
        };

        // A late, older state is archived as observed but never rolls the conversation back (architecture §1).
        var isOlder = latest?.LastUpdateTs is { } last && snapshot.LastUpdateTs is { } now && now < last;
        if (isOlder)
            return (events, latest!);

        var facts = ConversationDiff.Facts(latest, snapshot, key);
        for (var i = 0; i < facts.Count; i++)
        {
            var fact = facts[i];
            events.Add(new NewEvent(stream, null, fact.EventType, Serialize(fact), observedAt, $"{key}/{i}:{fact.EventType}"));
        }
        return (events, snapshot);
    }

    /// <summary>A well-formed frame the worker does not recognise: kept verbatim, once.</summary>
    public static NewEvent ForUnrecognised(string consumerName, string json) =>
        new(ArchiveEventTypes.UnrecognisedStream(consumerName), null, ArchiveEventTypes.UnrecognisedFrame, json, null,
            "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json))));

    private static string Serialize(ConversationFact fact) => fact switch
    {
        ConversationOpened f => JsonSerializer.Serialize(f, ConversationFactJson.Default.ConversationOpened),
        ParticipantJoined f => JsonSerializer.Serialize(f, ConversationFactJson.Default.ParticipantJoined),
        ParticipantLeft f => JsonSerializer.Serialize(f, ConversationFactJson.Default.ParticipantLeft),
        DialogOpened f => JsonSerializer.Serialize(f, ConversationFactJson.Default.DialogOpened),
        DialogClosed f => JsonSerializer.Serialize(f, ConversationFactJson.Default.DialogClosed),
        TtrChanged f => JsonSerializer.Serialize(f, ConversationFactJson.Default.TtrChanged),
        SkillChanged f => JsonSerializer.Serialize(f, ConversationFactJson.Default.SkillChanged),
        StageChanged f => JsonSerializer.Serialize(f, ConversationFactJson.Default.StageChanged),
        CsatSubmitted f => JsonSerializer.Serialize(f, ConversationFactJson.Default.CsatSubmitted),
        ConversationClosed f => JsonSerializer.Serialize(f, ConversationFactJson.Default.ConversationClosed),
        _ => throw new ArgumentOutOfRangeException(nameof(fact), fact.GetType().Name, "unknown conversation fact"),
    };
}
