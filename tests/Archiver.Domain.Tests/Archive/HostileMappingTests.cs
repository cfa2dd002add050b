using Archiver.Domain.Archive;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Archive;

/// <summary>
/// Hostile keys and values through the mapping: a change whose key is unusable is kept verbatim as an UnmappedChange in
/// its consumer's unrecognised stream, with the reason; a field that is not what it should be is left out of the
/// event's columns, with the reason; the body is always the change's JSON byte for byte.
/// </summary>
public sealed class HostileMappingTests
{
    private const string ConsumerMessage = "notification.ms.MessagingEventNotification.ContentEvent.consumer.1.json";
    private const string PostSurvey = "notification.cqm.ExConversationChangeNotification.post-survey-open.1.json";

    private static void AssertUnmapped(MessagingChange change, string reason)
    {
        foreach (var archiveChatStates in (bool[])[false, true])
        {
            var e = ArchiveMapping.ForMessaging(change, Wire.Consumer, archiveChatStates)!;

            Assert.Equal(("unrecognised:c", (long?)null, ArchiveEventTypes.UnmappedChange), (e.StreamId, e.Position, e.Type));
            Assert.Equal(change.Json, e.Body);
            Assert.Equal([reason], e.Issues!.Select(i => i.Reason));
            Assert.Null(Storable.TextProblem(e.Issues![0].Detail));
        }
    }

    [Fact]
    public void A_server_timestamp_of_9999999999999999_is_left_out_of_the_event_and_reported_and_the_body_is_unchanged()
    {
        var change = Wire.MessagingChange(Wire.Sample(ConsumerMessage, c => c.Set("serverTimestamp", Wire.Raw("9999999999999999"))));

        var e = ArchiveMapping.ForMessaging(change, Wire.Consumer, archiveChatStates: false)!;

        Assert.Equal(("__YOUR_CONVERSATION_ID__", (long?)3, "ContentEvent"), (e.StreamId, e.Position, e.Type));
        Assert.Null(e.ServerTimestamp);
        Assert.Equal([IssueReasons.TimestampOutOfRange], e.Issues!.Select(i => i.Reason));
        Assert.Equal(change.Json, e.Body);
        Assert.Contains("\"serverTimestamp\":9999999999999999", e.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.9")]
    [InlineData("-5")]
    [InlineData("\"abc\"")]
    [InlineData("99999999999999999999")]
    [InlineData("1e30")]
    public void A_sequence_that_is_no_sequence_files_the_change_as_unmapped_never_at_a_position(string sequence) =>
        AssertUnmapped(Wire.MessagingChange(Wire.Sample(ConsumerMessage, c => c.Set("sequence", Wire.Raw(sequence)))), IssueReasons.SequenceInvalid);

    [Theory]
    [InlineData("\"conversation:x\"")]
    [InlineData("\"a\\u0000b\"")]
    [InlineData("\"\"")]
    [InlineData("\"x:y\"")]
    public void A_dialog_id_that_cannot_name_a_dialog_stream_files_the_change_as_unmapped(string dialogId) =>
        AssertUnmapped(Wire.MessagingChange(Wire.Sample(ConsumerMessage, c => c.Set("dialogId", Wire.Raw(dialogId)))), IssueReasons.DialogIdInvalid);

    [Fact]
    public void A_dialog_id_of_300_characters_files_the_change_as_unmapped() =>
        AssertUnmapped(Wire.MessagingChange(Wire.Sample(ConsumerMessage, c => c.Set("dialogId", Wire.Raw($"\"{new string('d', 300)}\"")))), IssueReasons.DialogIdInvalid);

    [Fact]
    public void A_change_without_a_dialog_id_is_filed_as_unmapped() =>
        AssertUnmapped(Wire.MessagingChange(Wire.Sample(ConsumerMessage, c => c.Remove("dialogId"))), IssueReasons.DialogIdInvalid);

    [Fact]
    public void A_dialog_id_of_256_characters_still_names_its_dialog()
    {
        var id = new string('d', 256);

        var e = Wire.Mapped(Wire.Sample(ConsumerMessage, c => c.Set("dialogId", Wire.Raw($"\"{id}\""))));

        Assert.Equal((id, (long?)3), (e.StreamId, e.Position));
    }

    [Fact]
    public void A_conversation_id_with_an_escaped_NUL_files_the_change_as_unmapped_and_keeps_the_latest_state()
    {
        var change = Wire.ConversationChange(Wire.Sample(PostSurvey, c => c.Object("result").Set("convId", Wire.Raw("\"c\\u0000x\""))));
        var latest = Wire.ConversationChange(Samples.Text(PostSurvey)).Snapshot;

        var (events, after) = ArchiveMapping.ForConversation(change, latest, Wire.Consumer);

        var e = Assert.Single(events);
        Assert.Equal(("unrecognised:c", (long?)null, ArchiveEventTypes.UnmappedChange), (e.StreamId, e.Position, e.Type));
        Assert.Equal(change.Json, e.Body);
        Assert.Equal([IssueReasons.ConversationIdInvalid], e.Issues!.Select(i => i.Reason));
        Assert.Same(latest, after);
    }

    [Fact]
    public void A_conversation_id_posing_as_a_stream_files_the_change_as_unmapped()
    {
        var change = Wire.ConversationChange(Wire.Sample(PostSurvey, c => c.Object("result").Set("convId", Wire.Raw("\"conversation:x\""))));

        var (events, after) = ArchiveMapping.ForConversation(change, null, Wire.Consumer);

        Assert.Equal([(ArchiveEventTypes.UnmappedChange, IssueReasons.ConversationIdInvalid)], events.Select(e => (e.Type, e.Issues![0].Reason)));
        Assert.Null(after);
    }

    [Fact]
    public void A_repeated_identical_state_gives_no_facts()
    {
        var state = Wire.ConversationChange(Samples.Text(PostSurvey)).Snapshot;

        Assert.Empty(ConversationDiff.Facts(state, state, "UPSERT:x"));
    }

    [Fact]
    public void A_state_naming_one_dialog_twice_can_be_the_previous_state_of_the_next()
    {
        var change = Wire.ConversationChange(Wire.Sample(PostSurvey, c => c.Object("result").Object("conversationDetails")
            .Set("dialogs", Wire.Raw("""[{"dialogId":"d1","state":"OPEN"},{"dialogId":"d1","state":"CLOSE"}]"""))));
        var (_, latest) = ArchiveMapping.ForConversation(change, null, Wire.Consumer);

        var (again, _) = ArchiveMapping.ForConversation(change, latest, Wire.Consumer);

        Assert.Equal([ArchiveEventTypes.ConversationObserved], again.Select(e => e.Type));
    }
}
