using System.Text.Json;
using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Traffic;

/// <summary>The year scenario on the wire, from the command line, replayed from its seed, and refused when it cannot run.</summary>
public sealed class YearScenarioWireTests
{
    [Fact]
    public async Task Consumers_receive_their_year_byte_for_byte_as_the_ground_truth_has_it()
    {
        await using var sim = await Sim.StartAsync(new SimulatorSettings { Seed = 21, HistoryBatch = 7 });
        var first = await sim.ConnectNewConsumerAsync();
        var second = await sim.ConnectNewConsumerAsync();
        await using var firstWs = first.Client;
        await using var secondWs = second.Client;
        foreach (var (_, ws) in new[] { first, second })
            await ws.RequestOkAsync("cqm.SubscribeExConversations", new { convState = new[] { "OPEN", "CLOSE" } });

        await sim.ControlAsync("scenario/year", new { consumers = new[] { first.Consumer.Id, second.Consumer.Id }, conversations = 12 });

        foreach (var (consumer, ws) in new[] { first, second })
        {
            var truth = await YearTruth.ReadAsync(sim, consumer.Id);
            Assert.Equal(6, truth.Conversations.Count);

            // Every state version, as the socket's conversation subscription delivered it.
            var states = truth.Conversations.SelectMany(c => c.GetProperty("states").EnumerateArray()).ToList();
            List<JsonElement> ReceivedStates() => ws.Frames.Where(f => f.IsConversation).SelectMany(f => f.Changes).Select(c => c.Prop("result")).ToList();
            await ws.WaitForAsync(_ => states.All(s => ReceivedStates().Any(r => JsonElement.DeepEquals(s, r))), what: "every state version of the year");
            Assert.All(ws.Frames.Where(f => f.IsConversation).SelectMany(f => f.Changes), c => Expect.ConversationChange(c));

            // Every event, from the history of each dialog.
            foreach (var c in truth.Conversations)
            {
                foreach (var dialog in c.GetProperty("dialogs").EnumerateArray())
                    await ws.RequestOkAsync("ms.SubscribeMessagingEvents", new { dialogId = dialog.Str("dialogId"), conversationId = c.Str("conversationId"), fromSeq = 0 });
            }
            var events = truth.Conversations.SelectMany(c => YearTruth.Events(c)).ToDictionary(e => e.Key, e => e.Value);
            List<JsonElement> ReceivedEvents() => ws.Frames.Where(f => f.IsMessaging).SelectMany(f => f.Changes).Where(c => c.Num("sequence") is not null).ToList();
            await ws.WaitForAsync(_ => ReceivedEvents().Select(c => (c.Str("dialogId")!, c.Num("sequence")!.Value)).Distinct().Count() >= events.Count,
                what: "the whole history of the year");
            Assert.All(ReceivedEvents(), change =>
            {
                var key = (change.Str("dialogId")!, change.Num("sequence")!.Value);
                Assert.True(events.TryGetValue(key, out var expected), $"{key} is not in the ground truth");
                Assert.True(JsonElement.DeepEquals(expected, change), $"{key}: received {change.GetRawText()}\nground truth {expected.GetRawText()}");
                Expect.MessagingChange(change);
            });

            // Personal data and the marker: the exact bytes of their changes are in the frames.
            var annotated = truth.Conversations.SelectMany(c => YearTruth.Messages(c).Select(m => events[(m.Str("dialogId")!, m.Num("sequence")!.Value)])).ToList();
            Assert.NotEmpty(annotated);
            var frames = ws.Frames.Where(f => f.IsMessaging).Select(f => f.Text).ToList();
            Assert.All(annotated, change => Assert.Contains(frames, f => f.Contains(change.GetRawText(), StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task On_the_command_line_each_consumer_gets_its_own_year_when_it_first_subscribes()
    {
        await using var sim = await Sim.StartAsync(new SimulatorSettings { Scenario = "year", ScenarioConversations = 4, Seed = 3 });
        var first = await sim.ConnectNewConsumerAsync();
        var second = await sim.ConnectNewConsumerAsync();
        await using var firstWs = first.Client;
        await using var secondWs = second.Client;
        foreach (var (_, ws) in new[] { first, second })
            await ws.RequestOkAsync("cqm.SubscribeExConversations", new { convState = new[] { "OPEN", "CLOSE" } });

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var (consumer, _) in new[] { first, second })
        {
            YearTruth truth = new([]);
            await Archiver.Testing.Eventually.HoldsAsync(async () =>
            {
                truth = await YearTruth.ReadAsync(sim, consumer.Id);
                return (truth.Conversations.Count == 4 && truth.Conversations.All(YearTruth.Closed), $"{truth.Conversations.Count} of 4 closed year conversations");
            }, TimeSpan.FromSeconds(30), "A consumer's year");
            Assert.Equal([0L, 1, 2, 3], truth.Conversations.Select(c => c.Prop("scenario").Num("index")!.Value));
            Assert.InRange(truth.Conversations[0].Num("startTs")!.Value, now - (long)TimeSpan.FromDays(366).TotalMilliseconds, now - (long)TimeSpan.FromDays(300).TotalMilliseconds);
            Assert.All(truth.Conversations, c => Assert.True(c.Num("endTs") <= now));
        }
    }

    [Fact]
    public async Task The_same_seed_plays_the_same_year()
    {
        async Task<List<string>> PlayAsync(int seed)
        {
            await using var sim = await Sim.StartAsync(new SimulatorSettings { Seed = seed });
            var consumer = await sim.SignupAsync();
            await sim.ControlAsync("scenario/year", new { consumers = new[] { consumer.Id }, conversations = 8 });
            var truth = await YearTruth.ReadAsync(sim);
            // The content: every event and its metadata, in order (ids of consumers and timestamps aside).
            return truth.Conversations.SelectMany(c => c.GetProperty("dialogs").EnumerateArray())
                .SelectMany(d => d.GetProperty("events").EnumerateArray())
                .Select(e => e.Prop("event").GetRawText() + " " + e.Prop("metadata").GetRawText())
                .ToList();
        }

        var once = await PlayAsync(17);
        Assert.Equal(once, await PlayAsync(17));
        Assert.NotEqual(once, await PlayAsync(18));
    }

    [Fact]
    public async Task A_year_that_cannot_run_is_refused()
    {
        await using var sim = await Sim.StartAsync();
        using (var none = await sim.PostAsync("control/scenario/year", new { conversations = 5 }))
            Assert.Equal(400, (int)none.StatusCode); // nobody to play it for
        var consumer = await sim.SignupAsync();
        using (var unknown = await sim.PostAsync("control/scenario/year", new { consumers = new[] { consumer.Id, "nobody" }, conversations = 5 }))
            Assert.Equal(404, (int)unknown.StatusCode);
        using (var zero = await sim.PostAsync("control/scenario/year", new { consumers = new[] { consumer.Id }, conversations = 0 }))
            Assert.Equal(400, (int)zero.StatusCode);
        Assert.Empty((await YearTruth.ReadAsync(sim)).Conversations);
    }
}
