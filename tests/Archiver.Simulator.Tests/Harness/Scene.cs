namespace Archiver.Simulator.Tests.Harness;

/// <summary>A simulator, one connected consumer, and an accepted conversation whose MAIN dialog the socket subscribed to.</summary>
public sealed class Scene : IAsyncDisposable
{
    private readonly bool _ownsSim;

    private Scene(Sim sim, Consumer consumer, UmsClient ws, string conversationId, bool ownsSim = true)
    {
        _ownsSim = ownsSim;
        Sim = sim;
        Consumer = consumer;
        Ws = ws;
        ConversationId = conversationId;
    }

    public Sim Sim { get; }

    public Consumer Consumer { get; }

    public UmsClient Ws { get; }

    public string ConversationId { get; }

    public static async Task<Scene> StartAsync(SimulatorSettings? settings = null, Action<System.Net.WebSockets.ClientWebSocketOptions>? configure = null) =>
        await StartOnAsync(await Sim.StartAsync(settings), configure, ownsSim: true);

    /// <summary>The same scene on a simulator shared with other tests (a new consumer; the simulator is not disposed with the scene).</summary>
    public static Task<Scene> OnAsync(Sim sim) => StartOnAsync(sim, null, ownsSim: false);

    private static async Task<Scene> StartOnAsync(Sim sim, Action<System.Net.WebSockets.ClientWebSocketOptions>? configure, bool ownsSim)
    {
        var consumer = await sim.SignupAsync();
        var ws = await UmsClient.ConnectAsync(sim.UmsUri, consumer.Jwt, configure);
        await ws.RequestOkAsync("cqm.SubscribeExConversations", new { convState = new[] { "OPEN", "CLOSE" } });
        var conversation = (await ws.RequestOkAsync("cm.ConsumerRequestConversation")).Str("conversationId")!;
        await sim.ControlAsync($"conversations/{conversation}/accept", new { agentName = "Alice Martin" });
        await ws.RequestOkAsync("ms.SubscribeMessagingEvents", new { dialogId = conversation, fromSeq = 0 });
        await ws.QuietAsync(TimeSpan.FromMilliseconds(100));
        return new Scene(sim, consumer, ws, conversation, ownsSim);
    }

    public Task<System.Text.Json.JsonElement> AgentSaysAsync(string text) =>
        Sim.ControlAsync($"conversations/{ConversationId}/messages", new { @as = "agent", text });

    public async ValueTask DisposeAsync()
    {
        await Ws.DisposeAsync();
        if (_ownsSim)
            await Sim.DisposeAsync();
    }
}
