using System.Text;
using System.Text.Json;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Protocol;

/// <summary>
/// Well-formed frames with hostile content: each change is read (MessagingChange.Read and ConversationChange.Read never
/// fail), so one odd change never costs the frame's other changes, and a frame is rejected as "not JSON" only when it is not.
/// </summary>
public sealed class HostileFrameTests
{
    /// <summary>A key longer than the names the reader looks up, so that each lookup has to unescape it.</summary>
    private const string HalfEmojiKey = "\"\\udc00\\udc00\\udc00\\udc00\"";

    [Fact]
    public void A_messaging_change_with_a_key_that_is_an_escaped_half_emoji_is_read_and_so_are_the_frames_other_changes()
    {
        var odd = $$"""{"sequence":1,"dialogId":"d1","event":{"type":"ContentEvent","message":"hi"},{{HalfEmojiKey}}:1}""";
        var frame = Wire.MessagingFrame(odd + "," + """{"sequence":2,"dialogId":"d1","event":{"type":"ContentEvent","message":"hello"}}""");

        var parsed = FrameParser.Parse(Encoding.UTF8.GetBytes(frame), out var rejection);

        Assert.Null(rejection);
        var changes = Assert.IsType<MessagingNotification>(parsed).Changes;
        Assert.Equal([("d1", 1L, odd), ("d1", 2L, changes[1].Json)], changes.Select(c => (c.DialogId!, c.Sequence!.Value, c.Json)));
    }

    [Fact]
    public void Reading_a_messaging_change_with_a_key_that_is_an_escaped_half_emoji_does_not_fail()
    {
        using var document = JsonDocument.Parse($$"""{"sequence":1,"dialogId":"d1","event":{"type":"ContentEvent"},{{HalfEmojiKey}}:1}""");

        var change = MessagingChange.Read(document.RootElement);

        Assert.Equal(("d1", 1L), (change.DialogId, change.Sequence!.Value));
    }

    [Theory]
    [InlineData("""{"participantsPId":{"\ud83d":["u1"]},"state":"OPEN"}""")]
    [InlineData("""{"state":"OPEN","dialogs":[{"dialogId":"d1","\udc00\udc00\udc00\udc00":1}]}""")]
    [InlineData("""{"state":"OPEN","ttr":{"ttrType":"URGENT","\udc00\udc00\udc00\udc00":1}}""")]
    public void A_conversation_change_with_a_key_that_is_an_escaped_half_emoji_is_read(string details)
    {
        var frame = Wire.ConversationFrame("""{"type":"UPSERT","result":{"convId":"c1","conversationDetails":""" + details + "}}");

        var parsed = FrameParser.Parse(Encoding.UTF8.GetBytes(frame), out var rejection);

        Assert.Null(rejection);
        var change = Assert.Single(Assert.IsType<ConversationNotification>(parsed).Changes);
        Assert.Equal(("c1", "OPEN"), (change.ConversationId, change.Snapshot.State));
    }

    [Theory]
    [InlineData("""{"kind":"notification","type":"ms.OnlineEventDistribution"}""")]
    public void A_well_formed_frame_is_never_rejected_as_not_json(string frame)
    {
        FrameParser.Parse(Encoding.UTF8.GetBytes(frame), out var rejection);

        Assert.NotEqual(IssueReasons.FrameNotJson, rejection?.Reason);
    }
}
