using Archiver.Domain.Archive;
using Archiver.Domain.Projections;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Projections;

/// <summary>The transcript fold on the protocol's samples, without a database: what a row holds for an ordinary event.</summary>
public sealed class TranscriptFoldTests
{
    private const string Conversation = "__YOUR_CONVERSATION_ID__";
    private const string Card = """{"type":"vertical","elements":[{"type":"text","text":"Pick one"},{"type":"button","title":"Yes","click":{"actions":[{"type":"link","uri":"https://example.com"}]}}]}""";

    [Fact]
    public void A_consumer_ContentEvent_sample_becomes_a_transcript_message_with_every_field()
    {
        var issues = new List<ArchiveIssue>();

        var message = TranscriptFold.Message(Wire.RecordedMessaging(Samples.Text("notification.ms.MessagingEventNotification.ContentEvent.consumer.1.json"), globalPosition: 42), issues);

        Assert.Equal(new TranscriptMessage(
            Conversation, 3, Conversation, "ContentEvent", "5e9ee96c-226e-44b6-ac51-b1dfe494ba10", "CONSUMER", "text/plain", "Hello from the consumer",
            FilePath: null, RichContentJson: null, DateTimeOffset.FromUnixTimeMilliseconds(1538493548533), 42), message);
        Assert.Empty(issues);
    }

    [Fact]
    public void A_ContentEvent_sample_without_originator_metadata_or_conversation_id_leaves_them_null()
    {
        var issues = new List<ArchiveIssue>();

        var message = TranscriptFold.Message(Wire.RecordedMessaging(Samples.Text("notification.ms.MessagingEventNotification.ContentEvent.1.json")), issues)!;

        Assert.Equal((Conversation, 0L, (string?)null, "734d9867-40e3-52b9-a401-07e877676d64", (string?)null, "message from the agent"),
            (message.DialogId, message.Sequence, message.ConversationId, message.OriginatorId, message.OriginatorRole, message.Text));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1477840831162), message.ServerTimestamp);
        Assert.Empty(issues);
    }

    [Fact]
    public void A_hosted_file_message_keeps_its_caption_as_text_and_its_path()
    {
        var frame = Wire.Sample("notification.ms.MessagingEventNotification.ContentEvent.2.json", change => change.Object("event")
            .Set("contentType", Wire.Raw("\"hosted/file\""))
            .Set("message", Wire.Raw("""{"caption":"Hello Kitten","relativePath":"/v1/AUTH_async-images/64467156/kitten.jpg","fileType":"JPG"}""")));
        var issues = new List<ArchiveIssue>();

        var message = TranscriptFold.Message(Wire.RecordedMessaging(frame), issues)!;

        Assert.Equal(("hosted/file", "Hello Kitten", "/v1/AUTH_async-images/64467156/kitten.jpg", (string?)null),
            (message.ContentType, message.Text, message.FilePath, message.RichContentJson));
        Assert.Empty(issues);
    }

    [Fact]
    public void A_RichContentEvent_keeps_its_card_exactly_as_json_and_no_text()
    {
        var frame = Wire.Sample("notification.ms.MessagingEventNotification.ContentEvent.consumer.1.json", change =>
            change.Set("event", Wire.Raw($$"""{"type":"RichContentEvent","content":{{Card}}}""")));
        var issues = new List<ArchiveIssue>();

        var message = TranscriptFold.Message(Wire.RecordedMessaging(frame), issues)!;

        Assert.Equal(("RichContentEvent", "rich-content", (string?)null, Card), (message.EventType, message.ContentType, message.Text, message.RichContentJson));
        Assert.Empty(issues);
    }

    [Theory]
    [InlineData("notification.ms.MessagingEventNotification.AcceptStatusEvent.READ.1.json")]
    [InlineData("notification.ms.MessagingEventNotification.ChatStateEvent.COMPOSING.1.json")]
    public void Events_that_are_not_messages_give_no_transcript_row(string sample)
    {
        var change = Wire.MessagingChange(Samples.Text(sample));
        var e = ArchiveMapping.ForMessaging(change, Wire.Consumer, archiveChatStates: true)!;

        Assert.Null(TranscriptFold.Message(Wire.Recorded(e), []));
    }

    [Fact]
    public void The_post_survey_state_gives_the_main_dialog_opened_and_closed_and_the_survey_dialog_opened()
    {
        var events = Wire.MappedConversation(Samples.Text("notification.cqm.ExConversationChangeNotification.post-survey-open.1.json"));
        var issues = new List<ArchiveIssue>();

        var dialogs = events.Select((e, i) => TranscriptFold.Dialog(Wire.Recorded(e, i + 1), issues)).OfType<DialogRow>().ToList();

        Assert.Equal(
        [
            new DialogRow(Conversation, Conversation, "MAIN", "MESSAGING", "OPEN", DateTimeOffset.FromUnixTimeMilliseconds(1538486163083), null, null, null),
            new DialogRow(Conversation, Conversation, "MAIN", null, "CLOSE", null, DateTimeOffset.FromUnixTimeMilliseconds(1538499226753), "CONSUMER", null),
            new DialogRow("__YOUR_POST_SURVEY_DIALOG_ID__", Conversation, "POST_SURVEY", "MESSAGING", "OPEN", DateTimeOffset.FromUnixTimeMilliseconds(1538499226752), null, null, null),
        ], dialogs);
        Assert.Empty(issues);
    }
}
