using Archiver.Domain.Archive;
using Archiver.Domain.Projections;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Projections;

/// <summary>The read-model folds on the protocol's samples, without a database: receipts, conversations, participants, CSAT, survey answers.</summary>
public sealed class ReadModelFoldTests
{
    private const string Conversation = "__YOUR_CONVERSATION_ID__";
    private const string Agent = "29c3019d-fe0b-5200-afe8-737abfeae4b4";
    private const string PostSurvey = "notification.cqm.ExConversationChangeNotification.post-survey-open.1.json";

    [Fact]
    public void A_READ_AcceptStatusEvent_sample_is_a_read_receipt_of_each_listed_message()
    {
        var issues = new List<ArchiveIssue>();

        var receipts = ReadModelFold.Receipts(Wire.RecordedMessaging(Samples.Text("notification.ms.MessagingEventNotification.AcceptStatusEvent.READ.1.json")), issues);

        Assert.Equal([new ReceiptRow(Conversation, 4, Agent, "ASSIGNED_AGENT", null, DateTimeOffset.FromUnixTimeMilliseconds(1538494337103))], receipts);
        Assert.Empty(issues);
    }

    [Fact]
    public void An_ACCEPT_AcceptStatusEvent_sample_is_an_accept_receipt()
    {
        var receipts = ReadModelFold.Receipts(Wire.RecordedMessaging(Samples.Text("notification.ms.MessagingEventNotification.AcceptStatusEvent.ACCEPT.1.json")), []);

        Assert.Equal([new ReceiptRow(Conversation, 4, Agent, "ASSIGNED_AGENT", DateTimeOffset.FromUnixTimeMilliseconds(1538493548705), null)], receipts);
    }

    [Fact]
    public void An_ACTION_AcceptStatusEvent_sample_is_no_receipt() =>
        Assert.Empty(ReadModelFold.Receipts(Wire.RecordedMessaging(Samples.Text("notification.ms.MessagingEventNotification.AcceptStatusEvent.ACTION.1.json")), []));

    [Fact]
    public void The_post_survey_state_sample_becomes_a_conversation_row()
    {
        var observed = Wire.MappedConversation(Samples.Text(PostSurvey))[0];
        var issues = new List<ArchiveIssue>();

        var row = ReadModelFold.Conversation(Wire.Recorded(observed), issues);

        Assert.Equal(new ConversationRow(
            Conversation, "5e9ee96c-226e-44b6-ac51-b1dfe494ba10", "64467156", SkillId: null, Agent, "CLOSE", "OPEN", "CONSUMER",
            DateTimeOffset.FromUnixTimeMilliseconds(1538486163083), End: null, DateTimeOffset.FromUnixTimeMilliseconds(1538499227108)), row);
        Assert.Empty(issues);
    }

    [Fact]
    public void A_new_conversation_with_participantsPId_and_lastUpdateTime_becomes_a_conversation_row()
    {
        var observed = Wire.MappedConversation(Samples.Text("notification.cqm.ExConversationChangeNotification.participantsPId.new-conv.1.json"))[0];

        var row = ReadModelFold.Conversation(Wire.Recorded(observed), [])!;

        Assert.Equal(("6b2622de-26b7-4e05-a7f2-5c2d50b3502f", "72fca421-d1a2-459c-a420-6c5b1f3e75b0", "OPEN", (string?)null),
            (row.ConversationId, row.ConsumerId, row.State, row.AgentId));
        Assert.Equal((DateTimeOffset.FromUnixTimeMilliseconds(1477840809953), DateTimeOffset.FromUnixTimeMilliseconds(1477840967209)), (row.Start!.Value, row.LastUpdate!.Value));
    }

    [Fact]
    public void The_post_survey_state_sample_has_each_participant_joined_once()
    {
        var events = Wire.MappedConversation(Samples.Text(PostSurvey));
        var issues = new List<ArchiveIssue>();

        var rows = events.Select((e, i) => ReadModelFold.Participant(Wire.Recorded(e, i + 1), issues)).OfType<ParticipantRow>().ToList();

        var at = DateTimeOffset.FromUnixTimeMilliseconds(1538499227108);
        Assert.Equal(
        [
            (Agent, "ASSIGNED_AGENT"), (Agent, "READER"), ("5e9ee96c-226e-44b6-ac51-b1dfe494ba10", "CONSUMER"),
            ("2fa9ac85-d8a9-5bd6-8384-8c32dabae97f", "AGENT"), ("22815dea-5b5c-5c8f-a4bf-2e52a0f6820a", "CONTROLLER"),
        ], rows.Select(r => (r.ParticipantId, r.Role)));
        Assert.All(rows, r => Assert.Equal((Conversation, "JOINED", at), (r.ConversationId, r.Change, r.At!.Value)));
        Assert.Equal(rows.Count, rows.Select(r => r.GlobalPosition).Distinct().Count());
        Assert.Empty(issues);
    }

    [Fact]
    public void A_state_with_csat_becomes_a_csat_row()
    {
        var frame = Wire.Sample(PostSurvey, change => change.Object("result").Object("conversationDetails")
            .Set("csat", Wire.Raw("""{"csatRate":4,"csatResolutionConfirmation":true,"status":"FILLED"}""")));
        var issues = new List<ArchiveIssue>();

        var csat = Assert.Single(Wire.MappedConversation(frame).Select(e => ReadModelFold.Csat(Wire.Recorded(e), issues)).OfType<CsatRow>());

        Assert.Equal(new CsatRow(Conversation, 4, true, "FILLED", DateTimeOffset.FromUnixTimeMilliseconds(1538499227108)), csat);
        Assert.Empty(issues);
    }

    [Fact]
    public void A_consumer_message_answering_the_survey_becomes_a_survey_answer()
    {
        var answer = Wire.MessagingChange(Samples.Text("notification.ms.MessagingEventNotification.AcceptStatusEvent.ACTION.1.json"));
        var frame = Wire.Sample("notification.ms.MessagingEventNotification.ContentEvent.consumer.post-survey.1.json", change =>
            change.Set("metadata", Wire.Raw(((Fuzz.RawObject)Fuzz.RawJson.Parse(answer.Json)).Get("metadata")!.Text())));
        var issues = new List<ArchiveIssue>();

        var row = ReadModelFold.SurveyAnswer(Wire.RecordedMessaging(frame), issues);

        Assert.Equal(new SurveyAnswerRow("__YOUR_POST_SURVEY_DIALOG_ID__", 3, Conversation, "3e70da9b-76de-4c2a-911e-a41aee698b82",
            "4f7c6a7b-033b-4171-a361-abf99e0ea493", "1", DateTimeOffset.FromUnixTimeMilliseconds(1539675582460)), row);
        Assert.Empty(issues);
    }

    [Fact]
    public void A_message_without_an_answer_is_no_survey_answer() =>
        Assert.Null(ReadModelFold.SurveyAnswer(Wire.RecordedMessaging(Samples.Text("notification.ms.MessagingEventNotification.ContentEvent.consumer.post-survey.1.json")), []));

    [Fact]
    public void Conversation_folds_ignore_dialog_streams_and_message_folds_ignore_conversation_streams()
    {
        var message = Wire.RecordedMessaging(Samples.Text("notification.ms.MessagingEventNotification.ContentEvent.consumer.1.json"));
        var observed = Wire.Recorded(Wire.MappedConversation(Samples.Text(PostSurvey))[0]);

        Assert.Null(ReadModelFold.Conversation(message, []));
        Assert.Null(TranscriptFold.Message(observed, []));
        Assert.Empty(ReadModelFold.Receipts(observed, []));
        Assert.Equal(StreamKind.Conversation, StreamKeys.KindOf(observed.StreamId));
    }
}
