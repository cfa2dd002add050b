using Archiver.Simulator.World;

namespace Archiver.Simulator.Traffic;

/// <summary>
/// One realistic conversation, both sides: the consumer opens and writes, an agent accepts, answers with text, a rich
/// card and a file, both sides send receipts, sometimes a transfer and a TTR change, then one of three endings —
/// a post-conversation survey answered, a consumer close with legacy CSAT, or an agent close.
/// </summary>
internal static class ScriptedConversation
{
    private static readonly string[] Openings =
    [
        "Hi, my order #{0} has not arrived yet.",
        "Hello — I was charged twice for invoice {0}.",
        "Can I change the delivery address of order {0}?",
        "My card ending {0} was declined, why?",
    ];

    public static async Task RunAsync(SimulatorWorld world, string consumerId, int index, int seed, TimeSpan pace, CancellationToken cancellationToken)
    {
        var random = new Random(seed * 1_000_003 + index);
        async Task Step() { if (pace > TimeSpan.Zero) await Task.Delay(pace, cancellationToken); }

        var conversationId = world.RequestConversation(consumerId, null);
        var agentName = random.Next(2) == 0 ? "Alice Martin" : "Bob Chen";
        var agent = world.AgentId(agentName);
        await Step();
        world.Publish(conversationId, null, consumerId, "CONSUMER", """{"type":"ChatStateEvent","chatState":"COMPOSING"}""", null);
        var opening = world.Publish(conversationId, null, consumerId, "CONSUMER",
            Text(string.Format(System.Globalization.CultureInfo.InvariantCulture, Openings[random.Next(Openings.Length)], random.Next(10_000, 99_999))), null)!.Value;
        await Step();
        world.Accept(conversationId, agentName);
        await Step();
        Receipt(world, conversationId, agent, "ASSIGNED_AGENT", "ACCEPT", opening);
        Receipt(world, conversationId, agent, "ASSIGNED_AGENT", "READ", opening);
        var greeting = world.Publish(conversationId, null, agent, "ASSIGNED_AGENT", Text($"Hello, this is {agentName.Split(' ')[0]}. Let me check that for you."), null)!.Value;
        await Step();
        Receipt(world, conversationId, consumerId, "CONSUMER", "ACCEPT", greeting);
        Receipt(world, conversationId, consumerId, "CONSUMER", "READ", greeting);
        await Step();
        var card = world.Publish(conversationId, null, agent, "ASSIGNED_AGENT", """
            {"type":"RichContentEvent","content":{"type":"vertical","elements":[{"type":"text","text":"Your order","style":{"bold":true}},{"type":"button","title":"Track parcel","click":{"actions":[{"type":"link","name":"Track","uri":"https://example.invalid/track"}]}}]}}
            """.Trim(), null)!.Value;
        await Step();
        world.Publish(conversationId, null, agent, "ASSIGNED_AGENT",
            $$$"""{"type":"ContentEvent","contentType":"hosted/file","message":{"caption":"Receipt {{{index}}}","relativePath":"/v1/AUTH_async-images/{{{world.Account}}}/receipt-{{{index}}}.png","fileType":"PNG","preview":"data:image/png;base64,iVBORw0KGgo="}}""",
            null);
        Receipt(world, conversationId, consumerId, "CONSUMER", "READ", card);
        await Step();
        world.Publish(conversationId, null, consumerId, "CONSUMER", Text("Thanks — that’s great 👍 ありがとう"), null);

        if (index % 3 == 1)
        {
            await Step();
            var second = agentName.StartsWith("Alice", StringComparison.Ordinal) ? "Bob Chen" : "Alice Martin";
            world.ChangeParticipants(conversationId, "transfer", second, null);
            agent = world.AgentId(second);
            await Step();
            world.Publish(conversationId, null, agent, "ASSIGNED_AGENT", Text($"Hi, {second.Split(' ')[0]} here from billing, I have taken over."), null);
        }
        if (index % 4 == 2)
        {
            await Step();
            world.SetTtr(conversationId, "URGENT", 600);
        }
        await Step();
        switch (index % 3)
        {
            case 0:
            {
                var survey = world.CloseMain(conversationId, "AGENT", survey: true)!;
                await Step();
                var bot = world.AgentId("Survey Bot");
                var question = world.Publish(conversationId, survey, bot, "AGENT", """
                    {"type":"ContentEvent","contentType":"text/plain","message":"How would you rate this conversation?","quickReplies":{"type":"quickReplies","itemsPerRow":5,"replies":[{"type":"button","title":"5","click":{"actions":[{"type":"publishText","text":"5"}]}},{"type":"button","title":"1","click":{"actions":[{"type":"publishText","text":"1"}]}}]}}
                    """.Trim(), """[{"type":"Question","questionId":"q1"}]""")!.Value;
                await Step();
                var answer = random.Next(1, 6).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var metadata = $$"""[{"type":"Answer","questionId":"q1","id":"a{{answer}}","provider":"AC"}]""";
                world.Publish(conversationId, survey, consumerId, "CONSUMER", $$"""{"type":"AcceptStatusEvent","status":"ACTION","sequenceList":[{{question}}]}""", metadata);
                world.Publish(conversationId, survey, consumerId, "CONSUMER", Text(answer), metadata);
                await Step();
                world.CompleteSurvey(conversationId);
                break;
            }
            case 1:
                world.CloseStage(conversationId, "CONSUMER");
                await Step();
                world.SetCsat(conversationId, random.Next(1, 6), random.Next(2) == 0, "FILLED");
                break;
            default:
                world.CloseStage(conversationId, "AGENT");
                break;
        }
    }

    private static string Text(string message) => $$"""{"type":"ContentEvent","contentType":"text/plain","message":{{WireJson.Quote(message)}}}""";

    private static void Receipt(SimulatorWorld world, string conversationId, string originator, string role, string status, long sequence) =>
        world.Publish(conversationId, null, originator, role, $$"""{"type":"AcceptStatusEvent","status":"{{status}}","sequenceList":[{{sequence}}]}""", null);
}
