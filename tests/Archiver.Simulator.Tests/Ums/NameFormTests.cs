using System.Text.Json;
using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Ums;

/// <summary>docs/protocol.md §14.1: every request name form of §4 is accepted — short, <c>.ams.</c>, <c>aam.</c>,
/// GetClock with or without the dot, numeric id, no kind, no body.</summary>
public sealed class NameFormTests
{
    [Fact]
    public async Task Every_documented_spelling_of_a_request_is_answered_200()
    {
        await using var sim = await Sim.StartAsync();
        var (consumer, ws) = await sim.ConnectNewConsumerAsync();
        await using var _ = ws;

        async Task<Frame> Send(string raw, string reqId, int code = 200)
        {
            await ws.SendAsync(raw);
            var response = await ws.WaitResponseAsync(reqId);
            Assert.True(response.Code == code, $"{raw} → {response.Text}");
            Assert.Equal("resp", response.Kind);
            return response;
        }

        // .ams.-prefixed, no body.
        var conversation = (await Send("""{"kind":"req","id":"n1","type":".ams.cm.ConsumerRequestConversation"}""", "n1")).Body.Str("conversationId")!;
        Assert.False(string.IsNullOrEmpty(conversation));
        // aam. for cqm, with the .ams. prefix and without, no kind.
        var subscription = (await Send("""{"id":"n2","type":".ams.aam.SubscribeExConversations","body":{"convState":["OPEN"]}}""", "n2")).Body.Str("subscriptionId")!;
        await Send("""{"id":"n3","type":"aam.SubscribeExConversations"}""", "n3");
        // GetClock with and without the dot, no kind, no body.
        Assert.True((await Send("""{"id":"n4","type":"GetClock"}""", "n4")).Body.Num("currentTime") > 0);
        Assert.True((await Send("""{"kind":"req","id":"n5","type":".GetClock"}""", "n5")).Body.Num("currentTime") > 0);
        // Numeric ids are echoed as strings.
        var numeric = await Send($$$$"""{"kind":"req","id":42,"type":".ams.ms.SubscribeMessagingEvents","body":{"dialogId":"{{{{conversation}}}}","fromSeq":0}}""", "42");
        Assert.Equal(JsonValueKind.String, numeric.Json!.Value.GetProperty("reqId").ValueKind);
        await Send($$$$"""{"id":7,"type":".ams.ms.PublishEvent","body":{"dialogId":"{{{{conversation}}}}","event":{"type":"ContentEvent","contentType":"text/plain","message":"hi"}}}""", "7");
        await Send($$$$"""{"id":"n8","type":"ms.PublishEvent","body":{"dialogId":"{{{{conversation}}}}","event":{"type":"ChatStateEvent","chatState":"COMPOSING"}}}""", "n8");
        await Send($$$$"""{"id":"n9","type":".ams.aam.UnsubscribeExConversations","body":{"subscriptionId":"{{{{subscription}}}}"}}""", "n9");
        await Send($$$$"""{"id":"n10","type":".ams.cm.UpdateConversationField","body":{"conversationId":"{{{{conversation}}}}","conversationField":{"field":"ConversationStateField","conversationState":"CLOSE"}}}""", "n10");
        await Send("""{"id":"n11","type":".ams.ms.GenerateURLForUploadFile","body":{"fileSize":1000,"fileType":"PNG"}}""", "n11");

        // The requests did what they say: the consumer's message is in the ground truth and the conversation is closed.
        var truth = (await sim.GroundTruthAsync(consumer.Id)).GetProperty("conversations")[0];
        Assert.Equal("hi", truth.GetProperty("dialogs")[0].GetProperty("events")[0].Prop("event").Str("message"));
        Assert.Equal("CLOSE", truth.GetProperty("states").EnumerateArray().Last().Prop("conversationDetails").Str("stage"));
    }
}
