using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests;

/// <summary><c>POST /control/load</c>: its conversations are closed after their last message, or left open when asked (bench/run fleet).</summary>
public sealed class LoadTests
{
    [Theory]
    [InlineData(false, "CLOSE")]
    [InlineData(true, "OPEN")]
    public async Task Load_closes_its_conversations_unless_asked_to_leave_them_open(bool leaveOpen, string lastStage)
    {
        await using var sim = await Sim.StartAsync(new SimulatorSettings { Quirks = false, Seed = 5 });
        var (consumer, ws) = await sim.ConnectNewConsumerAsync();
        await using var _ = ws;

        var load = await sim.ControlAsync("load", new { conversationsPerConsumer = 2, messagesPerConversation = 3, ratePerSecond = 0, leaveOpen });
        Assert.Equal(6, load.GetProperty("changes").GetInt64());

        var conversations = (await sim.GroundTruthAsync(consumer.Id)).GetProperty("conversations").EnumerateArray().ToList();
        Assert.Equal(2, conversations.Count);
        Assert.All(conversations, c =>
        {
            var last = c.GetProperty("states").EnumerateArray().Last();
            Assert.Equal(lastStage, last.Prop("conversationDetails").Str("stage"));
            Assert.Equal(3, c.GetProperty("dialogs").EnumerateArray().Sum(d => d.GetProperty("events").GetArrayLength()));
        });
    }
}
