using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.World;

/// <summary>docs/protocol.md §14.2: quirks are chosen by a seeded random, per simulator instance, so a failing run can
/// be replayed.</summary>
public sealed class ReplayTests
{
    [Fact]
    public async Task The_same_seed_makes_the_same_quirk_choices_in_every_instance()
    {
        async Task<List<string>> RunAsync(int seed)
        {
            await using var sim = await Sim.StartAsync(new SimulatorSettings { Seed = seed });
            var (_, ws) = await sim.ConnectNewConsumerAsync();
            await using var _ = ws;
            var conversation = (await ws.RequestOkAsync("cm.ConsumerRequestConversation")).Str("conversationId");
            var types = new List<string>();
            for (var i = 0; i < 30; i++)
            {
                var response = await ws.RequestAsync("cm.UpdateConversationField",
                    new { conversationId = conversation, conversationField = new { field = "TTRField", ttrType = "URGENT", value = i } });
                types.Add(response.Type!);
            }
            return types;
        }

        var first = await RunAsync(42);
        var again = await RunAsync(42);
        var other = await RunAsync(43);
        Assert.Equal(first, again);
        Assert.Equal(2, first.Distinct().Count()); // both documented spellings were chosen
        Assert.NotEqual(first, other);
    }
}
