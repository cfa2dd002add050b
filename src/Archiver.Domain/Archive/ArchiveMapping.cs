using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Archiver.Domain.Events;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Archive;

/// <summary>
/// Pure: a received change → the events to append. Total: every change gives at least one event holding its JSON
/// verbatim, whatever its content. A change whose key is unusable (no dialogId, a sequence of 1.9, a dialogId that poses
/// as one of the archive's own streams) goes to its consumer's unrecognised stream instead of a dialog or conversation
/// stream, with the reason; a field that is not what it should be (a serverTimestamp of 9999999999999999) is left out
/// of the event's columns, with the reason. docs/ingestion.md lists the rules.
/// </summary>
public static class ArchiveMapping
{
    private const int MaxEventTypeLength = 100;

    /// <summary>
    /// A messaging change keyed (dialogId, sequence). A ChatStateEvent has no sequence: it goes to the dialog's chat-state
    /// stream with a store-assigned position when <paramref name="archiveChatStates"/>, else nowhere (null) — the only
    /// change the mapping ever leaves out, and only by configuration.
    /// </summary>
    public static NewEvent? ForMessaging(MessagingChange change, string consumerName, bool archiveChatStates)
    {
        if (!change.IsObject)
            return Unmapped(consumerName, change.Json, ArchiveIssue.Of(IssueReasons.ChangeNotObject, "a messaging change is not a JSON object"));
        if (StreamKeys.Problem(change.DialogId) is { } keyProblem)
            return Unmapped(consumerName, change.Json, ArchiveIssue.Of(IssueReasons.DialogIdInvalid, $"dialogId {StreamKeys.Printable(change.DialogId)}: {keyProblem}"));
        if (change.SequenceProblem is { } sequenceProblem)
            return Unmapped(consumerName, change.Json, ArchiveIssue.Of(IssueReasons.SequenceInvalid, $"dialog {change.DialogId}: {sequenceProblem}"));

        List<ArchiveIssue>? issues = null;
        if (change.ServerTimestampProblem is { } timestampProblem)
            (issues ??= []).Add(ArchiveIssue.Of(IssueReasons.TimestampOutOfRange, timestampProblem));
        var type = change.EventType;
        if (!IsEventTypeName(type))
        {
            (issues ??= []).Add(ArchiveIssue.Of(IssueReasons.EventTypeInvalid, $"event.type {StreamKeys.Printable(type)} is not a type name; archived as {MessagingChange.UnknownEventType}"));
            type = MessagingChange.UnknownEventType;
        }
        else if (ArchiveEventTypes.Reserved.Contains(type))
        {
            (issues ??= []).Add(ArchiveIssue.Of(IssueReasons.EventTypeReserved,
                $"event.type {type} is one of the archive's own type names; it stays a wire event of dialog {change.DialogId}"));
        }

        var serverTs = UnixTime.FromMilliseconds(change.ServerTimestamp);
        if (change.Sequence is { } sequence)
            return new NewEvent(change.DialogId!, sequence, type, change.Json, serverTs, Issues: issues);
        if (type != "ChatStateEvent")
            return Unmapped(consumerName, change.Json, ArchiveIssue.Of(IssueReasons.SequenceInvalid, $"dialog {change.DialogId}: a {type} without a sequence"));
        return archiveChatStates
            ? new NewEvent(ArchiveEventTypes.ChatStateStream(change.DialogId!), null, type, change.Json, serverTs, Issues: issues)
            : null;
    }

    /// <summary>
    /// A conversation change: its verbatim observation (deduplicated by normalised state, so a state repeated after a
    /// resubscribe is recognised), and — unless it is older than the latest state — what changed since
    /// <paramref name="latest"/>, which must be the latest state received, whether committed yet or not.
    /// </summary>
    /// <returns>The events, and the conversation's latest state afterwards (null for a change that names no usable conversation).</returns>
    public static (IReadOnlyList<NewEvent> Events, ConversationSnapshot? Latest) ForConversation(
        ConversationChange change, ConversationSnapshot? latest, string consumerName)
    {
        if (StreamKeys.Problem(change.ConversationId) is { } keyProblem)
        {
            return ([Unmapped(consumerName, change.Json,
                ArchiveIssue.Of(IssueReasons.ConversationIdInvalid, $"convId {StreamKeys.Printable(change.ConversationId)}: {keyProblem}"))], latest);
        }

        var snapshot = change.Snapshot;
        var key = snapshot.StateKey(change.ChangeType);
        var observedAt = UnixTime.FromMilliseconds(snapshot.LastUpdateTs);
        var stream = ArchiveEventTypes.ConversationStream(change.ConversationId!);
        var events = new List<NewEvent>
        {
            new(stream, null, ArchiveEventTypes.ConversationObserved, change.Json, observedAt, key),
        };

        if (Latest(latest, snapshot) is var newest && ReferenceEquals(newest, latest))
            return (events, latest!);
        snapshot = newest;
        var facts = ConversationDiff.Facts(latest, snapshot, key);
        for (var i = 0; i < facts.Count; i++)
        {
            var fact = facts[i];
            events.Add(new NewEvent(stream, null, fact.EventType, Serialize(fact), observedAt, $"{key}/{i}:{fact.EventType}"));
        }
        return (events, snapshot);
    }

    /// <summary>
    /// The conversation's latest state once <paramref name="observed"/> is received after <paramref name="latest"/>. A
    /// late, older state is archived as observed but never rolls the conversation back (the same instance is returned);
    /// what a state does not say readably is unknown, not gone: a state whose participants are 42 keeps the ones known,
    /// so that neither it nor the next state makes up leaves and joins.
    /// </summary>
    public static ConversationSnapshot Latest(ConversationSnapshot? latest, ConversationSnapshot observed)
    {
        if (latest?.LastUpdateTs is { } last && observed.LastUpdateTs is { } now && now < last)
            return latest;
        if (latest is null || !(observed.ParticipantsUnreadable || observed.DialogsUnreadable))
            return observed;
        return observed with
        {
            Participants = observed.ParticipantsUnreadable ? latest.Participants : observed.Participants,
            Dialogs = observed.DialogsUnreadable ? latest.Dialogs : observed.Dialogs,
        };
    }

    /// <summary>A well-formed frame the worker does not recognise: kept verbatim, once.</summary>
    public static NewEvent ForUnrecognised(string consumerName, string json) =>
        new(ArchiveEventTypes.UnrecognisedStream(consumerName), null, ArchiveEventTypes.UnrecognisedFrame, json, null, ContentKey(json));

    /// <summary>A change that cannot be filed where it belongs: kept verbatim, once, in its consumer's unrecognised stream.</summary>
    public static NewEvent Unmapped(string consumerName, string json, ArchiveIssue issue) =>
        new(ArchiveEventTypes.UnrecognisedStream(consumerName), null, ArchiveEventTypes.UnmappedChange, json, null, ContentKey(json), [issue]);

    /// <summary>"The same content": a repeated delivery of the same bytes is recognised as a duplicate.</summary>
    private static string ContentKey(string json) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));

    /// <summary>LivePerson's type names are identifiers (ContentEvent, AcceptStatusEvent, cqm.…): nothing else is a type.</summary>
    private static bool IsEventTypeName(string type)
    {
        if (type.Length is 0 or > MaxEventTypeLength || !char.IsAsciiLetter(type[0]))
            return false;
        foreach (var c in type)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '$' or '-'))
                return false;
        }
        return true;
    }

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
