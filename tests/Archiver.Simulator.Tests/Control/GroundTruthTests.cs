using System.Text.Json;
using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Control;

/// <summary><c>GET /control/ground-truth</c> is exactly what a consumer subscribed to everything receives.</summary>
public sealed class GroundTruthTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_ground_truth_equals_what_a_fully_subscribed_consumer_received(bool quirks)
    {
        await using var sim = await Sim.StartAsync(new SimulatorSettings { Quirks = quirks, Seed = 11, HistoryBatch = 4 });
        var (consumer, ws) = await sim.ConnectNewConsumerAsync();
        await using var _ = ws;
        await ws.RequestOkAsync("cqm.SubscribeExConversations", new { convState = new[] { "OPEN", "CLOSE" } });
        await sim.ControlAsync("scenario", new { conversationsPerConsumer = 3, paceMs = 0 });
        await ws.QuietAsync(TimeSpan.FromMilliseconds(200));

        // Every dialog seen in a conversation state, subscribed from the start.
        var dialogs = ws.Frames.Where(f => f.IsConversation).SelectMany(f => f.Changes)
            .SelectMany(c => c.Prop("result").Prop("conversationDetails").Prop("dialogs").EnumerateArray()
                .Select(d => (Conversation: c.Prop("result").Str("convId")!, Dialog: d.Str("dialogId")!)))
            .Distinct().ToList();
        foreach (var (conversation, dialog) in dialogs)
            await ws.RequestOkAsync("ms.SubscribeMessagingEvents", new { dialogId = dialog, conversationId = conversation, fromSeq = 0 });

        var truth = await sim.GroundTruthAsync(consumer.Id);
        var conversations = truth.GetProperty("conversations").EnumerateArray().ToList();
        Assert.Equal(3, conversations.Count);
        var expectedEvents = conversations.SelectMany(c => c.GetProperty("dialogs").EnumerateArray())
            .SelectMany(d => d.GetProperty("events").EnumerateArray().Select(e => (Key: (d.Str("dialogId")!, e.Num("sequence")!.Value), Event: e)))
            .ToDictionary(x => x.Key, x => x.Event);
        Assert.True(expectedEvents.Count >= 30, $"{expectedEvents.Count} events");
        Assert.Equal(expectedEvents.Keys.Select(k => k.Item1).Distinct().Order(), dialogs.Select(d => d.Dialog).Distinct().Order());

        IEnumerable<JsonElement> Received() => ws.Frames.Where(f => f.IsMessaging).SelectMany(f => f.Changes).Where(c => c.Num("sequence") is not null);
        await ws.WaitForAsync(_ => Received().Select(c => (c.Str("dialogId")!, c.Num("sequence")!.Value)).Distinct().Count() >= expectedEvents.Count,
            what: "the whole history");

        var received = Received().ToList();
        Assert.All(received, change =>
        {
            var key = (change.Str("dialogId")!, change.Num("sequence")!.Value);
            Assert.True(expectedEvents.TryGetValue(key, out var expected), $"{key} is not in the ground truth");
            Assert.True(JsonElement.DeepEquals(expected, change), $"{key}: received {change.GetRawText()}\nground truth {expected.GetRawText()}");
            Expect.MessagingChange(change);
        });
        Assert.Equal(expectedEvents.Keys.Order(), received.Select(c => (c.Str("dialogId")!, c.Num("sequence")!.Value)).Distinct().Order());

        // Every conversation state received is one the ground truth recorded — and every recorded one was received.
        var states = conversations.ToDictionary(c => c.Str("conversationId")!, c => c.GetProperty("states").EnumerateArray().ToList());
        var receivedStates = ws.Frames.Where(f => f.IsConversation).SelectMany(f => f.Changes).Select(c => c.Prop("result")).ToList();
        Assert.All(receivedStates, state =>
            Assert.Contains(states[state.Str("convId")!], expected => JsonElement.DeepEquals(expected, state)));
        Assert.All(states.Values.SelectMany(s => s), expected =>
            Assert.Contains(receivedStates, state => JsonElement.DeepEquals(expected, state)));
    }
}
