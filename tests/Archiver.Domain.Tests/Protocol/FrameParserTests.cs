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
            Assert.Equal(("frame_not_object", "a JSON Array, not an object"), (rejection!.Reason, rejection.Detail));
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
    [InlineData("{not json", "frame_not_json", "not JSON")]
    [InlineData("[1,2]", "frame_not_object", "not an object")]
    [InlineData("", "frame_not_json", "not JSON")]
    public void Malformed_frames_are_rejected_with_a_reason(string text, string reason, string detail)
    {
        Assert.Null(FrameParser.Parse(Encoding.UTF8.GetBytes(text), out var rejection));
        Assert.Equal(reason, rejection!.Reason);
        Assert.Contains(detail, rejection.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void One_nesting_limit_a_frame_within_it_is_read_and_one_beyond_it_is_rejected_as_too_deep()
    {
        static string Nested(int depth) =>
            """{"type":"ms.MessagingEventNotification","body":{"changes":[{"dialogId":"d","sequence":1,"event":{"type":"RichContentEvent","content":"""
            + new string('[', depth) + new string(']', depth) + "}}]}}";

        // The frame's own objects take 5 levels: 250 more is inside the limit, 252 is beyond it.
        var read = Assert.IsType<MessagingNotification>(Parse(Nested(JsonLimits.MaxDepth - 6)));
        Assert.True(Archiver.Domain.Hashing.JsonContent.IsValid(Assert.Single(read.Changes).Json), "the store takes every change the parser let in");
        Assert.Null(FrameParser.Parse(Encoding.UTF8.GetBytes(Nested(JsonLimits.MaxDepth)), out var rejection));
        Assert.Equal(IssueReasons.FrameTooDeep, rejection!.Reason);
    }

    [Theory]
    [InlineData("4294967496")]
    [InlineData("200.5")]
    [InlineData("\"ok\"")]
    public void An_absurd_response_code_is_an_error_never_wrapped_into_a_success(string code)
    {
        var frame = Assert.IsType<ResponseFrame>(Parse("""{"kind":"resp","reqId":"1","code":""" + code + ""","body":{}}"""));

        Assert.False(frame.IsSuccess);
    }

    [Fact]
    public void A_change_without_a_dialog_is_read_all_the_same_and_the_others_kept()
    {
        var frame = Parse("""{"type":"ms.MessagingEventNotification","body":{"changes":[{"sequence":1,"event":{"type":"ContentEvent"}},{"sequence":2,"dialogId":"d","event":{"type":"ContentEvent"}}]}}""");

        var messaging = Assert.IsType<MessagingNotification>(frame);
        Assert.Equal([(null, 1L), ("d", 2L)], messaging.Changes.Select(c => (c.DialogId, c.Sequence)));
        Assert.Equal("""{"sequence":1,"event":{"type":"ContentEvent"}}""", messaging.Changes[0].Json);
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
