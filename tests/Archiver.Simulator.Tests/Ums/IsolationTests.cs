using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Ums;

/// <summary>A consumer sees only its own conversations (issue 3, "UMS consumer WebSocket").</summary>
public sealed class IsolationTests
{
    [Fact]
    public async Task A_consumer_never_receives_another_consumers_conversations_or_events()
    {
        await using var sim = await Sim.StartAsync();
        var (alice, aliceWs) = await sim.ConnectNewConsumerAsync();
        await using var _ = aliceWs;
        var (bob, bobWs) = await sim.ConnectNewConsumerAsync();
        await using var __ = bobWs;
        foreach (var ws in new[] { aliceWs, bobWs })
        {
            await ws.RequestOkAsync("cqm.SubscribeExConversations", new { convState = new[] { "OPEN", "CLOSE" } });
            var conversation = (await ws.RequestOkAsync("cm.ConsumerRequestConversation")).Str("conversationId")!;
            await ws.RequestOkAsync("ms.SubscribeMessagingEvents", new { dialogId = conversation, fromSeq = 0 });
            await sim.ControlAsync($"conversations/{conversation}/accept", new { });
            await sim.ControlAsync($"conversations/{conversation}/messages", new { text = "agent says hi" });
            await ws.RequestOkAsync("ms.PublishEvent", new { dialogId = conversation, @event = new { type = "ContentEvent", contentType = "text/plain", message = "consumer says hi" } });
            await sim.ControlAsync($"conversations/{conversation}/close", new { });
        }
        await sim.ControlAsync("scenario", new { conversationsPerConsumer = 2, paceMs = 0 });
        await aliceWs.QuietAsync(TimeSpan.FromMilliseconds(200));
        await bobWs.QuietAsync(TimeSpan.FromMilliseconds(100));

        var truth = (await sim.GroundTruthAsync()).GetProperty("conversations").EnumerateArray().ToList();
        Assert.Equal(6, truth.Count);
        foreach (var (me, other, ws) in new[] { (alice, bob, aliceWs), (bob, alice, bobWs) })
        {
            var mine = truth.Where(c => c.Str("consumerId") == me.Id).Select(c => c.Str("conversationId")!).ToHashSet();
            var theirs = truth.Where(c => c.Str("consumerId") == other.Id).Select(c => c.Str("conversationId")!).ToList();
            Assert.Equal(3, mine.Count);
            var frames = ws.Frames;
            var seen = frames.Where(f => f.IsConversation).SelectMany(f => f.Changes).Select(c => c.Prop("result").Str("convId")!).ToHashSet();
            Assert.Equal(mine, seen); // all of mine…
            Assert.All(frames, f =>
            {
                Assert.DoesNotContain(other.Id, f.Text, StringComparison.Ordinal); // …and nothing of theirs
                Assert.All(theirs, id => Assert.DoesNotContain(id, f.Text, StringComparison.Ordinal));
            });
            Assert.Contains(frames, f => f.IsMessaging && f.Changes.Any(c => c.Str("originatorId") == me.Id));
        }
    }
}
