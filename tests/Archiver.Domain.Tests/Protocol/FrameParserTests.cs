using System.Text;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Protocol;

public sealed class FrameParserTests
{
    public static TheoryData<string> MessagingSamples() => [.. Samples.Named("notification.ms.MessagingEventNotification.")];

    public static TheoryData<string> ConversationSamples() => [.. Samples.Named("notification.cqm.ExConversationChangeNotification.")];

    public static TheoryData<string> ResponseSamples() => [.. Samples.Named("resp.")];

    [Theory]
    [MemberData(nameof(MessagingSamples))]
    public void Every_messaging_sample_yields_changes_keyed_by_dialog_with_the_verbatim_json(string sample)
    {
        var frame = FrameParser.Parse(Samples.Bytes(sample), out var rejection);

        var messaging = Assert.IsType<MessagingNotification>(frame);
        Assert.Null(rejection);
        Assert.Empty(messaging.RejectedChanges);
        var change = Assert.Single(messaging.Changes);
        Assert.False(string.IsNullOrEmpty(change.DialogId));
        Assert.Contains(change.Json, Samples.Text(sample), StringComparison.Ordinal);
        if (change.EventType == "ChatStateEvent")
            Assert.Null(change.Sequence);
        else
            Assert.NotNull(change.Sequence);
    }

    [Theory]
    [MemberData(nameof(ConversationSamples))]
    public void Every_conversation_sample_is_read(string sample)
    {
        var frame = Assert.IsType<ConversationNotification>(FrameParser.Parse(Samples.Bytes(sample), out _));

        Assert.Empty(frame.RejectedChanges);
        Assert.All(frame.Changes, c => Assert.False(string.IsNullOrEmpty(c.ConversationId)));
        if (!sample.Contains(".empty.", StringComparison.Ordinal))
            Assert.NotEmpty(frame.Changes);
    }

    [Theory]
    [MemberData(nameof(ResponseSamples))]
    public void Every_response_sample_with_a_request_id_is_a_response(string sample)
    {
        var frame = FrameParser.Parse(Samples.Bytes(sample), out var rejection);

        if (Samples.Text(sample).TrimStart().StartsWith('['))
        {
            // The v2 REST poll returns an array of queued messages; it is not a WebSocket frame.
            Assert.Equal("a JSON Array, not an object", rejection!.Reason);
            return;
        }
        Assert.Null(rejection);
        if (Samples.Text(sample).Contains("\"reqId\"", StringComparison.Ordinal))
            Assert.IsType<ResponseFrame>(frame);
        else
            Assert.IsType<UnrecognisedFrame>(frame); // the Send API's 401 has no reqId to correlate
    }

    [Fact]
    public void A_response_with_a_numeric_request_id_an_error_code_and_a_string_body_is_read()
    {
        var frame = Parse("""{"code":400,"reqId":7,"body":"second open conversation"}""");

        var response = Assert.IsType<ResponseFrame>(frame);
        Assert.Equal(("7", 400, false), (response.ReqId, response.Code, response.IsSuccess));
        Assert.Equal("\"second open conversation\"", response.BodyJson);
    }

    [Theory]
    [InlineData(".ams.ms.MessagingEventNotification")]
    [InlineData("ms.MessagingEventNotification")]
    [InlineData(null)]
    public void Type_spellings_and_a_missing_type_are_understood(string? type)
    {
        var typeField = type is null ? "" : $"\"type\":\"{type}\",";
        var frame = Parse($$"""{{{typeField}}"body":{"changes":{"sequence":3,"dialogId":"d1","event":{"type":"ContentEvent","message":"hi","contentType":"text/plain"} } } }""");

        var change = Assert.Single(Assert.IsType<MessagingNotification>(frame).Changes);
        Assert.Equal(("d1", 3L, "ContentEvent"), (change.DialogId, change.Sequence!.Value, change.EventType));
    }

    [Fact]
    public void The_aam_spelling_of_conversation_notifications_is_understood()
    {
        var frame = Parse("""{"kind":"notification","type":"aam.ExConversationChangeNotification","body":{"changes":[{"type":"UPSERT","result":{"convId":"c1","conversationDetails":{"state":"OPEN"}}}]}}""");

        Assert.Equal("c1", Assert.Single(Assert.IsType<ConversationNotification>(frame).Changes).ConversationId);
    }

    [Theory]
    [InlineData("{not json", "not JSON")]
    [InlineData("[1,2]", "not an object")]
    [InlineData("", "not JSON")]
    public void Malformed_frames_are_rejected_with_a_reason(string text, string reason)
    {
        Assert.Null(FrameParser.Parse(Encoding.UTF8.GetBytes(text), out var rejection));
        Assert.Contains(reason, rejection!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_change_without_a_dialog_is_rejected_and_the_others_kept()
    {
        var frame = Parse("""{"type":"ms.MessagingEventNotification","body":{"changes":[{"sequence":1,"event":{"type":"ContentEvent"}},{"sequence":2,"dialogId":"d","event":{"type":"ContentEvent"}}]}}""");

        var messaging = Assert.IsType<MessagingNotification>(frame);
        Assert.Equal(2L, Assert.Single(messaging.Changes).Sequence);
        Assert.Equal("a messaging change has no dialogId", Assert.Single(messaging.RejectedChanges));
    }

    [Fact]
    public void Unknown_frame_types_are_kept_whole()
    {
        var text = """{"kind":"notification","type":"ms.SomethingNew","body":{"x":1}}""";

        var frame = Assert.IsType<UnrecognisedFrame>(Parse(text));

        Assert.Equal(text, frame.Json);
    }

    private static ServerFrame? Parse(string text) => FrameParser.Parse(Encoding.UTF8.GetBytes(text), out _);
}
