using System.Text;
using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Archive;

public sealed class ArchiveMappingTests
{
    private static ConversationChange Change(string details, long updated) =>
        Assert.Single(Assert.IsType<ConversationNotification>(FrameParser.Parse(Encoding.UTF8.GetBytes(
            $$"""{"type":"cqm.ExConversationChangeNotification","body":{"changes":[{"type":"UPSERT","result":{"convId":"c1","conversationDetails":{"metaDataLastUpdateTs":{{updated}},{{details}} } } } ] } }"""), out _)).Changes);

    [Fact]
    public void A_sequenced_messaging_change_is_keyed_by_dialog_and_sequence_and_kept_verbatim()
    {
        var change = Assert.Single(Assert.IsType<MessagingNotification>(
            FrameParser.Parse(Samples.Bytes("notification.ms.MessagingEventNotification.AcceptStatusEvent.READ.1.json"), out _)).Changes);

        var e = ArchiveMapping.ForMessaging(change, "c", archiveChatStates: false)!;

        Assert.Equal(("__YOUR_CONVERSATION_ID__", 7L, "AcceptStatusEvent"), (e.StreamId, e.Position!.Value, e.Type));
        Assert.Equal(change.Json, e.Body);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1538494337103), e.ServerTimestamp);
    }

    [Fact]
    public void Chat_states_go_to_their_own_stream_only_when_configured()
    {
        var change = Assert.Single(Assert.IsType<MessagingNotification>(
            FrameParser.Parse(Samples.Bytes("notification.ms.MessagingEventNotification.ChatStateEvent.COMPOSING.1.json"), out _)).Changes);

        Assert.Null(ArchiveMapping.ForMessaging(change, "c", archiveChatStates: false));
        var e = ArchiveMapping.ForMessaging(change, "c", archiveChatStates: true)!;
        Assert.Equal(("chatstate:__YOUR_CONVERSATION_ID__", (long?)null), (e.StreamId, e.Position));
    }

    [Fact]
    public void A_conversation_life_becomes_an_observation_each_plus_what_changed()
    {
        var opened = Change("""
            "state":"OPEN","stage":"OPEN","startTs":1000,"skillId":"s1","participants":[{"id":"u1","role":"CONSUMER"}],
            "dialogs":[{"dialogId":"c1","dialogType":"MAIN","state":"OPEN","creationTs":1000}]
            """, 1000);
        var assigned = Change("""
            "state":"OPEN","stage":"OPEN","startTs":1000,"skillId":"s1","participants":[{"id":"u1","role":"CONSUMER"},{"id":"a1","role":"ASSIGNED_AGENT"}],
            "dialogs":[{"dialogId":"c1","dialogType":"MAIN","state":"OPEN","creationTs":1000}],"ttr":{"ttrType":"URGENT","value":60}
            """, 2000);
        var closed = Change("""
            "state":"CLOSE","stage":"CLOSE","startTs":1000,"endTs":3000,"closeReason":"AGENT","skillId":"s1","participants":[{"id":"u1","role":"CONSUMER"}],
            "dialogs":[{"dialogId":"c1","dialogType":"MAIN","state":"CLOSE","closedBy":"AGENT","creationTs":1000,"endTs":3000}],"ttr":{"ttrType":"URGENT","value":60},
            "csat":{"csatRate":4,"csatResolutionConfirmation":true,"status":"FILLED"}
            """, 3000);

        var (first, s1) = ArchiveMapping.ForConversation(opened, null, "c");
        var (second, s2) = ArchiveMapping.ForConversation(assigned, s1, "c");
        var (third, _) = ArchiveMapping.ForConversation(closed, s2, "c");

        Assert.Equal(["ConversationObserved", "ConversationOpened", "ParticipantJoined", "DialogOpened"], first.Select(e => e.Type));
        Assert.Equal(["ConversationObserved", "ParticipantJoined", "TtrChanged"], second.Select(e => e.Type));
        Assert.Equal(["ConversationObserved", "ParticipantLeft", "DialogClosed", "StageChanged", "CsatSubmitted", "ConversationClosed"], third.Select(e => e.Type));
        Assert.All(first.Concat(second).Concat(third), e => Assert.Null(e.Position));
        Assert.Equal(opened.Json, first[0].Body);
        using var csat = JsonDocument.Parse(third.Single(e => e.Type == "CsatSubmitted").Body);
        Assert.Equal(4, csat.RootElement.GetProperty("rate").GetInt32());
        Assert.Equal(third[0].DedupeKey, csat.RootElement.GetProperty("observation").GetString());
        Assert.Equal(third.Count, third.Select(e => e.DedupeKey).Distinct().Count());
    }

    [Fact]
    public void A_repeated_state_maps_to_the_same_keys_and_adds_no_facts()
    {
        var state = Change("""
            "state":"OPEN","participants":[{"id":"u1","role":"CONSUMER"}]
            """, 1000);

        var (first, latest) = ArchiveMapping.ForConversation(state, null, "c");
        var (again, _) = ArchiveMapping.ForConversation(state, latest, "c");

        Assert.Equal(first[0].DedupeKey, Assert.Single(again).DedupeKey);
    }

    [Fact]
    public void An_older_state_arriving_late_is_archived_but_does_not_roll_back()
    {
        var newer = Change("""
            "state":"CLOSE","participants":[{"id":"u1","role":"CONSUMER"}]
            """, 2000);
        var older = Change("""
            "state":"OPEN","participants":[{"id":"u1","role":"CONSUMER"}]
            """, 1000);
        var (_, latest) = ArchiveMapping.ForConversation(newer, null, "c");

        var (late, after) = ArchiveMapping.ForConversation(older, latest, "c");

        Assert.Equal("ConversationObserved", Assert.Single(late).Type);
        Assert.Equal("CLOSE", after!.State);
    }
}
