using Archiver.Domain.Archive;
using Archiver.Domain.Projections;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Projections;

/// <summary>
/// Hostile content through the folds: every text the read models get is storable (no NUL, no lone surrogate), every
/// rich content JSON is one jsonb takes, and each repair is reported as an issue. One case per test, with exact outcomes.
/// </summary>
public sealed class HostileContentProjectionTests
{
    private const string ConsumerMessage = "notification.ms.MessagingEventNotification.ContentEvent.consumer.1.json";
    private const string PostSurvey = "notification.cqm.ExConversationChangeNotification.post-survey-open.1.json";

    private static string WithMessage(string rawMessage) =>
        Wire.Sample(ConsumerMessage, change => change.Object("event").Set("message", Wire.Raw(rawMessage)));

    private static string WithRichContent(string rawContent) =>
        Wire.Sample(ConsumerMessage, change => change.Set("event", Wire.Raw($$"""{"type":"RichContentEvent","content":{{rawContent}}}""")));

    private static (TranscriptMessage Message, List<ArchiveIssue> Issues) Transcribe(string frame)
    {
        var issues = new List<ArchiveIssue>();
        var message = TranscriptFold.Message(Wire.RecordedMessaging(frame), issues);
        Assert.NotNull(message);
        return (message, issues);
    }

    private static string[] Reasons(IEnumerable<ArchiveIssue> issues) => [.. issues.Select(i => i.Reason)];

    [Fact]
    public void A_text_ending_in_an_escaped_half_emoji_ends_in_the_replacement_character_and_the_repair_is_reported()
    {
        var (message, issues) = Transcribe(WithMessage("""
            "Hello from the consumer \ud83d"
            """));

        Assert.Equal("Hello from the consumer \uFFFD", message.Text);
        Assert.Equal([IssueReasons.TextRepaired], Reasons(issues));
    }

    [Fact]
    public void A_text_with_an_escaped_NUL_has_the_replacement_character_instead_and_the_repair_is_reported()
    {
        var (message, issues) = Transcribe(WithMessage("""
            "Hello\u0000consumer"
            """));

        Assert.Equal("Hello\uFFFDconsumer", message.Text);
        Assert.Equal([IssueReasons.TextRepaired], Reasons(issues));
    }

    [Fact]
    public void Rich_content_with_an_escaped_NUL_is_projected_as_json_jsonb_takes_and_the_repair_is_reported()
    {
        var (message, issues) = Transcribe(WithRichContent("""{"type":"text","text":"a\u0000b"}"""));

        Assert.Equal("""{"type":"text","text":"a\uFFFDb"}""", message.RichContentJson);
        Assert.Null(Storable.JsonbProblem(message.RichContentJson));
        Assert.Equal([IssueReasons.TextRepaired], Reasons(issues));
    }

    [Fact]
    public void Rich_content_with_an_escaped_half_emoji_is_projected_as_json_jsonb_takes_and_the_repair_is_reported()
    {
        var (message, issues) = Transcribe(WithRichContent("""{"type":"text","text":"a\ud83d"}"""));

        Assert.Equal("""{"type":"text","text":"a\uFFFD"}""", message.RichContentJson);
        Assert.Null(Storable.JsonbProblem(message.RichContentJson));
        Assert.Equal([IssueReasons.TextRepaired], Reasons(issues));
    }

    [Fact]
    public void Rich_content_whose_key_is_an_escaped_half_emoji_is_projected_as_json_jsonb_takes_and_the_repair_is_reported()
    {
        var (message, issues) = Transcribe(WithRichContent("""{"\ud83d":"x"}"""));

        Assert.Equal("""{"\uFFFD":"x"}""", message.RichContentJson);
        Assert.Equal([IssueReasons.TextRepaired], Reasons(issues));
    }

    [Fact]
    public void A_file_message_with_a_key_that_is_an_escaped_half_emoji_keeps_its_caption_and_path()
    {
        // Longer than the names looked up, so that each lookup has to unescape it.
        var (message, _) = Transcribe(WithMessage("""{"caption":"Kitten","relativePath":"/k.jpg","\udc00\udc00\udc00":1}"""));

        Assert.Equal(("Kitten", "/k.jpg"), (message.Text, message.FilePath));
    }

    [Fact]
    public void Originator_metadata_with_a_key_that_is_an_escaped_half_emoji_breaks_neither_the_transcript_nor_the_receipts()
    {
        const string metadata = """{"role":"CONSUMER","\udc00x":1}""";
        var message = Wire.Sample(ConsumerMessage, change => change.Set("originatorMetadata", Wire.Raw(metadata)));
        var receipt = Wire.Sample("notification.ms.MessagingEventNotification.AcceptStatusEvent.READ.1.json", change => change.Set("originatorMetadata", Wire.Raw(metadata)));

        Assert.Equal("CONSUMER", TranscriptFold.Message(Wire.RecordedMessaging(message), [])!.OriginatorRole);
        Assert.Equal("CONSUMER", Assert.Single(ReadModelFold.Receipts(Wire.RecordedMessaging(receipt), [])).ParticipantRole);
    }

    [Fact]
    public void A_survey_answer_with_a_key_that_is_an_escaped_half_emoji_is_still_an_answer()
    {
        var frame = Wire.Sample("notification.ms.MessagingEventNotification.ContentEvent.consumer.post-survey.1.json", change =>
            change.Set("metadata", Wire.Raw("""[{"type":"Answer","questionId":"q1","id":"a1","\udc00x":1}]""")));

        var answer = ReadModelFold.SurveyAnswer(Wire.RecordedMessaging(frame), [])!;

        Assert.Equal(("q1", "a1", "1"), (answer.QuestionId, answer.AnswerId, answer.AnswerText));
    }

    [Fact]
    public void An_originator_id_that_is_an_escaped_half_emoji_is_repaired_and_the_repair_is_reported()
    {
        var (message, issues) = Transcribe(Wire.Sample(ConsumerMessage, change => change.Set("originatorId", Wire.Raw("""
            "u\ud83d"
            """))));

        Assert.Equal("u\uFFFD", message.OriginatorId);
        Assert.Equal([IssueReasons.TextRepaired], Reasons(issues));
    }

    [Fact]
    public void A_consumer_id_that_is_an_escaped_half_emoji_is_repaired_in_the_conversation_row_and_the_repair_is_reported()
    {
        var frame = Wire.Sample(PostSurvey, change => change.Object("result").Object("conversationDetails")
            .Set("participants", Wire.Raw("""[{"id":"u\ud83d","role":"CONSUMER"}]""")));
        var issues = new List<ArchiveIssue>();

        var row = ReadModelFold.Conversation(Wire.Recorded(Wire.MappedConversation(frame)[0]), issues)!;

        Assert.Equal("u\uFFFD", row.ConsumerId);
        Assert.Equal([IssueReasons.TextRepaired], Reasons(issues));
    }

    [Fact]
    public void A_text_of_one_and_a_half_megabytes_is_kept_whole_and_reported_as_searchable_only_by_its_start()
    {
        var text = string.Concat(Enumerable.Repeat("0123456789abcdef", 1_500_000 / 16)) + "end";

        var (message, issues) = Transcribe(WithMessage("\"" + text + "\""));

        Assert.Equal(text, message.Text);
        Assert.Equal([IssueReasons.TextTruncatedForSearch], Reasons(issues));
    }

    [Fact]
    public void Rich_content_nested_200_deep_is_kept_exactly_without_an_issue()
    {
        var card = string.Concat(Enumerable.Repeat("""{"elements":[""", 100)) + "\"leaf\"" + string.Concat(Enumerable.Repeat("]}", 100));

        var (message, issues) = Transcribe(WithRichContent(card));

        Assert.Equal(card, message.RichContentJson);
        Assert.Empty(issues);
    }

    [Theory]
    [InlineData("1e1001")]
    [InlineData("-1e-5000")]
    [InlineData("1e99999")]
    public void Rich_content_with_a_number_beyond_jsonb_is_projected_with_it_as_text_and_a_number_invalid_issue(string number)
    {
        var (message, issues) = Transcribe(WithRichContent($$"""{"type":"text","n":{{number}}}"""));

        Assert.Equal($$"""{"type":"text","n":"{{number}}"}""", message.RichContentJson);
        Assert.Equal([IssueReasons.NumberInvalid], Reasons(issues));
    }

    [Fact]
    public void Rich_content_with_a_number_over_1000_characters_without_1000_digits_in_a_row_is_projected_as_jsonb_safe_json_with_an_issue()
    {
        var number = "-" + new string('1', 499) + "." + new string('1', 499) + "e5"; // 1002 characters

        var (message, issues) = Transcribe(WithRichContent($$"""{"n":{{number}}}"""));

        Assert.Null(Storable.JsonbProblem(message.RichContentJson));
        Assert.Equal([IssueReasons.NumberInvalid], Reasons(issues));
    }

    [Theory]
    [InlineData("CsatSubmitted")]
    [InlineData("ParticipantJoined")]
    [InlineData("DialogOpened")]
    [InlineData("ConversationObserved")]
    public void A_wire_event_typed_as_one_of_the_archives_facts_stays_in_its_dialog_stream_and_no_conversation_fold_takes_it(string type)
    {
        // Its body even looks like the fact it is named after.
        var frame = Wire.Sample(ConsumerMessage, change => change.Object("event").Set("type", Wire.Raw($"\"{type}\""))
            .Set("rate", Wire.Raw("5")).Set("participantId", Wire.Raw("\"p1\"")).Set("role", Wire.Raw("\"AGENT\"")).Set("dialogId", Wire.Raw("\"d1\"")));
        var change = Wire.MessagingChange(frame);

        var e = ArchiveMapping.ForMessaging(change, Wire.Consumer, archiveChatStates: false)!;

        Assert.Equal(("__YOUR_CONVERSATION_ID__", (long?)3, type), (e.StreamId, e.Position, e.Type));
        Assert.Equal(change.Json, e.Body);
        Assert.Equal([IssueReasons.EventTypeReserved], Reasons(e.Issues ?? []));
        var recorded = Wire.Recorded(e);
        var issues = new List<ArchiveIssue>();
        Assert.Null(ReadModelFold.Csat(recorded, issues));
        Assert.Null(ReadModelFold.Participant(recorded, issues));
        Assert.Null(ReadModelFold.Conversation(recorded, issues));
        Assert.Null(TranscriptFold.Dialog(recorded, issues));
        Assert.Empty(issues);
    }

    [Theory]
    [InlineData("4294967301")]
    [InlineData("4.5")]
    public void A_csat_rate_that_is_no_integer_of_the_column_is_no_rate_and_the_conversation_reports_it(string rate)
    {
        var frame = Wire.Sample(PostSurvey, change => change.Object("result").Object("conversationDetails")
            .Set("csat", Wire.Raw($$"""{"csatRate":{{rate}},"csatResolutionConfirmation":true,"status":"FILLED"}""")));
        var events = Wire.MappedConversation(frame);

        var csat = Assert.Single(events, e => e.Type == ArchiveEventTypes.CsatSubmitted);
        var row = ReadModelFold.Csat(Wire.Recorded(csat), [])!;
        var issues = new List<ArchiveIssue>();
        ReadModelFold.Conversation(Wire.Recorded(events[0]), issues);

        Assert.Null(Assert.IsType<CsatSubmitted>(System.Text.Json.JsonSerializer.Deserialize(csat.Body, ConversationFactJson.Default.CsatSubmitted)).Rate);
        Assert.Equal((null, true, "FILLED"), (row.Rate, row.ResolutionConfirmation, row.Status));
        Assert.Equal([IssueReasons.NumberInvalid], Reasons(issues));
    }

    [Fact]
    public void A_start_time_of_9999999999999999_is_no_start_and_the_conversation_reports_it()
    {
        var frame = Wire.Sample(PostSurvey, change => change.Object("result").Object("conversationDetails").Set("startTs", Wire.Raw("9999999999999999")));
        var issues = new List<ArchiveIssue>();

        var row = ReadModelFold.Conversation(Wire.Recorded(Wire.MappedConversation(frame)[0]), issues)!;

        Assert.Null(row.Start);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1538499227108), row.LastUpdate);
        Assert.Equal([IssueReasons.TimestampOutOfRange], Reasons(issues));
    }

    [Fact]
    public void Participants_that_are_a_number_are_no_participants_and_the_conversation_reports_it()
    {
        var frame = Wire.Sample(PostSurvey, change => change.Object("result").Object("conversationDetails").Set("participants", Wire.Raw("42")));
        var issues = new List<ArchiveIssue>();

        var row = ReadModelFold.Conversation(Wire.Recorded(Wire.MappedConversation(frame)[0]), issues)!;

        Assert.Equal(((string?)null, (string?)null), (row.ConsumerId, row.AgentId));
        Assert.Equal([IssueReasons.UnexpectedShape], Reasons(issues));
    }

    [Fact]
    public void An_AcceptStatusEvent_listing_sequences_that_are_not_sequences_receipts_only_the_real_one_and_reports_each_other()
    {
        var frame = Wire.Sample("notification.ms.MessagingEventNotification.AcceptStatusEvent.READ.1.json", change =>
            change.Object("event").Set("sequenceList", Wire.Raw("""[1.9,-1,1e30,"x",3]""")));
        var issues = new List<ArchiveIssue>();

        var receipts = ReadModelFold.Receipts(Wire.RecordedMessaging(frame), issues);

        Assert.Equal(3, Assert.Single(receipts).Sequence);
        Assert.Equal(Enumerable.Repeat(IssueReasons.SequenceInvalid, 4), Reasons(issues));
    }
}
