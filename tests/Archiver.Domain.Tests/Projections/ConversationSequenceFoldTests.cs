using System.Globalization;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Projections;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Projections;

/// <summary>
/// The folds over sequences of events as a conversation archives them, without a database: each state and message is
/// mapped the way the worker maps it (the latest state carried from one change to the next), recorded with increasing
/// positions, and folded; the rows are checked exactly — per message, per receipt, per state, per participant change.
/// Every frame is a protocol sample with only the fields a step changes edited.
/// </summary>
public sealed class ConversationSequenceFoldTests
{
    private const string Conversation = "__YOUR_CONVERSATION_ID__";
    private const string Consumer = "5e9ee96c-226e-44b6-ac51-b1dfe494ba10";
    private const string FirstAgent = "29c3019d-fe0b-5200-afe8-737abfeae4b4";
    private const string SecondAgent = "2fa9ac85-d8a9-5bd6-8384-8c32dabae97f";
    private const string PostSurvey = "notification.cqm.ExConversationChangeNotification.post-survey-open.1.json";
    private const string ConsumerMessage = "notification.ms.MessagingEventNotification.ContentEvent.consumer.1.json";
    private const string ReadReceipt = "notification.ms.MessagingEventNotification.AcceptStatusEvent.READ.1.json";
    private const long Start = 1538486163083;
    private const long Opened = Start + 1_000, Transferred = Start + 60_000, Closed = Start + 120_000;

    private static readonly string Open = State(Opened, "OPEN", FirstAgent);
    private static readonly string Transfer = State(Transferred, "OPEN", SecondAgent);
    private static readonly string Close = State(Closed, "CLOSE", SecondAgent, csat: """{"csatRate":5,"csatResolutionConfirmation":true,"status":"FILLED"}""");

    [Fact]
    public void Open_transfer_and_close_give_one_conversation_row_per_state_with_the_agent_and_state_of_each()
    {
        var issues = new List<ArchiveIssue>();

        var rows = Archive(Open, Transfer, Close).Select(e => ReadModelFold.Conversation(e, issues)).OfType<ConversationRow>().ToList();

        Assert.Equal(
        [
            new ConversationRow(Conversation, Consumer, "64467156", null, FirstAgent, "OPEN", "OPEN", null, At(Start), null, At(Opened)),
            new ConversationRow(Conversation, Consumer, "64467156", null, SecondAgent, "OPEN", "OPEN", null, At(Start), null, At(Transferred)),
            new ConversationRow(Conversation, Consumer, "64467156", null, SecondAgent, "CLOSE", "OPEN", "CONSUMER", At(Start), At(Closed), At(Closed)),
        ], rows);
        Assert.Empty(issues);
    }

    [Fact]
    public void A_transfer_is_the_second_agent_joining_and_the_first_leaving_so_the_first_agent_is_the_first_to_join()
    {
        var issues = new List<ArchiveIssue>();

        var rows = Archive(Open, Transfer, Close).Select(e => ReadModelFold.Participant(e, issues)).OfType<ParticipantRow>().ToList();

        Assert.Equal(
        [
            (Consumer, "CONSUMER", "JOINED", At(Opened)), (FirstAgent, "ASSIGNED_AGENT", "JOINED", At(Opened)),
            (SecondAgent, "ASSIGNED_AGENT", "JOINED", At(Transferred)), (FirstAgent, "ASSIGNED_AGENT", "LEFT", At(Transferred)),
        ], rows.Select(r => (r.ParticipantId, r.Role, r.Change, r.At)));
        Assert.All(rows, r => Assert.Equal(Conversation, r.ConversationId));
        Assert.Equal(rows.Select(r => r.GlobalPosition).Order(), rows.Select(r => r.GlobalPosition));
        Assert.Equal(FirstAgent, rows.First(r => r.Role == "ASSIGNED_AGENT" && r.Change == "JOINED").ParticipantId);
        Assert.Empty(issues);
    }

    [Fact]
    public void The_rating_is_one_csat_row_at_the_state_that_carries_it_and_a_later_state_repeating_it_adds_none()
    {
        var later = State(Closed + 5_000, "CLOSE", SecondAgent, csat: """{"csatRate":5,"csatResolutionConfirmation":true,"status":"FILLED"}""");
        var issues = new List<ArchiveIssue>();

        var rows = Archive(Open, Transfer, Close, later).Select(e => ReadModelFold.Csat(e, issues)).OfType<CsatRow>().ToList();

        Assert.Equal([new CsatRow(Conversation, 5, true, "FILLED", At(Closed))], rows);
        Assert.Empty(issues);
    }

    [Fact]
    public void A_late_older_state_is_a_row_of_its_own_time_but_changes_no_participant()
    {
        var inOrder = Archive(Open, Close);
        var withLate = Archive(Open, Close, Transfer);

        var late = withLate.Skip(inOrder.Count).ToList();

        // Only the observation itself: no participant, dialog or CSAT fact rolls the conversation back.
        Assert.Equal([ArchiveEventTypes.ConversationObserved], late.Select(e => e.Type));
        var row = ReadModelFold.Conversation(late[0], [])!;
        Assert.Equal(("OPEN", At(Transferred)), (row.State, row.LastUpdate));
        Assert.True(row.LastUpdate < ReadModelFold.Conversation(inOrder.Last(e => e.Type == ArchiveEventTypes.ConversationObserved), [])!.LastUpdate);
        Assert.Equal(Participants(inOrder), Participants(withLate));
    }

    [Fact]
    public void The_same_state_received_twice_has_one_key_and_adds_no_fact()
    {
        var events = Archive(Open, Open);
        var observed = events.Where(e => e.Type == ArchiveEventTypes.ConversationObserved).ToList();

        Assert.Equal(2, observed.Count);
        Assert.Equal(observed[0].DedupeKey, observed[1].DedupeKey);
        Assert.Equal(ArchiveEventTypes.ConversationObserved, events[^1].Type); // nothing after the second observation
        Assert.Equal(ReadModelFold.Conversation(observed[0], []), ReadModelFold.Conversation(observed[1], []));
    }

    [Fact]
    public void A_dialogs_messages_become_one_transcript_row_each_with_author_text_and_time_in_sequence_order()
    {
        var frames = new[]
        {
            Message(3, Consumer, "CONSUMER", "Hello, my card was charged twice", 1538493548533),
            Message(4, FirstAgent, "ASSIGNED_AGENT", "Let me look into it", 1538493560000),
            Message(5, SecondAgent, "ASSIGNED_AGENT", "I refunded the second charge", 1538493620000),
        };
        var issues = new List<ArchiveIssue>();

        var rows = frames.Select((f, i) => TranscriptFold.Message(Wire.RecordedMessaging(f, globalPosition: 10 + i), issues)!).ToList();

        Assert.Equal(
        [
            (3L, Consumer, "CONSUMER", "Hello, my card was charged twice", At(1538493548533), 10L),
            (4L, FirstAgent, "ASSIGNED_AGENT", "Let me look into it", At(1538493560000), 11L),
            (5L, SecondAgent, "ASSIGNED_AGENT", "I refunded the second charge", At(1538493620000), 12L),
        ], rows.Select(r => (r.Sequence, r.OriginatorId!, r.OriginatorRole!, r.Text!, r.ServerTimestamp, r.GlobalPosition)));
        Assert.All(rows, r => Assert.Equal((Conversation, Conversation, "ContentEvent", "text/plain"), (r.DialogId, r.ConversationId!, r.EventType, r.ContentType!)));
        Assert.Empty(issues);
    }

    [Fact]
    public void Messages_arriving_out_of_order_keep_their_own_sequence_and_a_redelivered_one_is_the_same_row_at_the_same_key()
    {
        var second = Message(5, FirstAgent, "ASSIGNED_AGENT", "second", 1538493620000);
        var first = Message(4, Consumer, "CONSUMER", "first", 1538493560000);

        var arrived = new[] { second, first, second }.Select((f, i) => TranscriptFold.Message(Wire.RecordedMessaging(f, globalPosition: i + 1), [])!).ToList();

        Assert.Equal(["first", "second"], arrived.DistinctBy(r => (r.DialogId, r.Sequence)).OrderBy(r => r.Sequence).Select(r => r.Text));
        Assert.Equal(arrived[0] with { GlobalPosition = 0 }, arrived[2] with { GlobalPosition = 0 });
        Assert.Equal((Conversation, 5L), (Wire.Mapped(second).StreamId, Wire.Mapped(second).Position!.Value)); // the store's key: a redelivery is a duplicate
    }

    [Fact]
    public void Accept_then_read_of_two_messages_gives_a_receipt_row_per_message_and_mark()
    {
        var accepted = Receipt(8, "ACCEPT", [4, 5], 1538494000000);
        var read = Receipt(9, "READ", [4, 5], 1538494337103);
        var issues = new List<ArchiveIssue>();

        var rows = new[] { accepted, read }.SelectMany(f => ReadModelFold.Receipts(Wire.RecordedMessaging(f), issues)).ToList();

        Assert.Equal(
        [
            new ReceiptRow(Conversation, 4, Consumer, "CONSUMER", At(1538494000000), null),
            new ReceiptRow(Conversation, 5, Consumer, "CONSUMER", At(1538494000000), null),
            new ReceiptRow(Conversation, 4, Consumer, "CONSUMER", null, At(1538494337103)),
            new ReceiptRow(Conversation, 5, Consumer, "CONSUMER", null, At(1538494337103)),
        ], rows);
        Assert.Empty(issues);
    }

    [Fact]
    public void A_receipt_naming_no_message_sequence_gives_a_row_only_for_the_real_one_and_an_issue_for_the_other()
    {
        var issues = new List<ArchiveIssue>();

        var rows = ReadModelFold.Receipts(Wire.RecordedMessaging(Receipt(9, "READ", [4, -1], 1538494337103)), issues).ToList();

        Assert.Equal([new ReceiptRow(Conversation, 4, Consumer, "CONSUMER", null, At(1538494337103))], rows);
        Assert.Equal([IssueReasons.SequenceInvalid], issues.Select(i => i.Reason));
    }

    [Fact]
    public void Hostile_text_is_kept_as_text_markup_and_controls_alike_and_only_what_PostgreSQL_cannot_hold_is_replaced()
    {
        const string markup = "<script>alert(1)</script>=HYPERLINK(\"http://x\")\u202Eevil\u001b[2J";
        var issues = new List<ArchiveIssue>();

        var kept = TranscriptFold.Message(Wire.RecordedMessaging(Message(6, Consumer, "CONSUMER", markup, 1538493700000)), issues)!;
        var nul = TranscriptFold.Message(Wire.RecordedMessaging(Message(7, Consumer, "CONSUMER", "a\u0000b", 1538493700001)), issues)!;

        Assert.Equal(markup, kept.Text);
        Assert.Equal("a\uFFFDb", nul.Text);
        Assert.Equal([IssueReasons.TextRepaired], issues.Select(i => i.Reason));
    }

    /// <summary>The post-survey state sample with the conversation's state, time, consumer and one assigned agent set, and only the main dialog.</summary>
    private static string State(long lastUpdate, string state, string agent, string? csat = null) =>
        Wire.Sample(PostSurvey, change =>
        {
            var details = change.Object("result").Object("conversationDetails");
            var closed = state == "CLOSE";
            details.Set("state", Literal(state))
                .Set("metaDataLastUpdateTs", Number(lastUpdate))
                .Set("participants", Wire.Raw($$"""[{"id":"{{Consumer}}","role":"CONSUMER"},{"id":"{{agent}}","role":"ASSIGNED_AGENT"}]"""))
                .Set("dialogs", Wire.Raw($$"""
                    [{"dialogId":"{{Conversation}}","participantsDetails":[{"id":"{{Consumer}}","role":"CONSUMER"}],"dialogType":"MAIN","channelType":"MESSAGING",
                      "state":"{{state}}","creationTs":{{Start}}{{(closed ? $",\"endTs\":{lastUpdate},\"closedBy\":\"CONSUMER\"" : "")}}}]
                    """))
                .Remove("ttr");
            if (closed)
                details.Set("endTs", Number(lastUpdate));
            else
                details.Remove("closeReason");
            if (csat is not null)
                details.Set("csat", Wire.Raw(csat));
        });

    private static string Message(long sequence, string originator, string role, string text, long serverTimestamp) =>
        Wire.Sample(ConsumerMessage, change => change
            .Set("sequence", Number(sequence))
            .Set("originatorId", Literal(originator))
            .Set("originatorMetadata", Wire.Raw($$"""{"id":"{{originator}}","role":"{{role}}"}"""))
            .Set("serverTimestamp", Number(serverTimestamp))
            .Object("event").Set("message", Literal(text)));

    /// <summary>The READ receipt sample, from the consumer, with its status and the messages it names set.</summary>
    private static string Receipt(long sequence, string status, long[] sequences, long serverTimestamp) =>
        Wire.Sample(ReadReceipt, change =>
        {
            change.Set("sequence", Number(sequence))
                .Set("originatorId", Literal(Consumer))
                .Set("originatorMetadata", Wire.Raw($$"""{"id":"{{Consumer}}","role":"CONSUMER"}"""))
                .Set("serverTimestamp", Number(serverTimestamp));
            change.Object("event").Set("status", Literal(status)).Set("sequenceList", Wire.Raw("[" + string.Join(",", sequences) + "]"));
        });

    /// <summary>The conversation's states mapped one after another as the worker maps them, recorded at positions 1, 2, …</summary>
    private static List<RecordedEvent> Archive(params string[] frames)
    {
        ConversationSnapshot? latest = null;
        var recorded = new List<RecordedEvent>();
        foreach (var frame in frames)
        {
            (var events, latest) = ArchiveMapping.ForConversation(Wire.ConversationChange(frame), latest, Wire.Consumer);
            recorded.AddRange(events.Select(e => Wire.Recorded(e, recorded.Count + 1)));
        }
        return recorded;
    }

    private static List<(string, string, string, DateTimeOffset?)> Participants(IEnumerable<RecordedEvent> events) =>
        events.Select(e => ReadModelFold.Participant(e, [])).OfType<ParticipantRow>().Select(r => (r.ParticipantId, r.Role, r.Change, r.At)).ToList();

    private static DateTimeOffset At(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    private static Fuzz.RawJson Literal(string text) => Wire.Raw(Fuzz.RawJson.Literal(text));

    private static Fuzz.RawJson Number(long value) => Wire.Raw(value.ToString(CultureInfo.InvariantCulture));
}
