using System.Globalization;
using Archiver.Simulator.World;

namespace Archiver.Simulator.Traffic;

/// <summary>
/// One conversation of the year scenario, played at once "at" its place in the past (<see cref="YearPlan"/>): both sides
/// write, both send receipts, the skill rotates, personal data and look-alikes appear (<see cref="YearContent"/>), and it
/// always ends closed — with a survey answered, a consumer close and legacy CSAT, or an agent close. The content depends
/// only on the seed and the index; only the timestamps depend on when it is played.
/// </summary>
internal static class YearConversation
{
    private const string Composing = """{"type":"ChatStateEvent","chatState":"COMPOSING"}""";

    /// <returns>The conversation's id.</returns>
    public static string Play(SimulatorWorld world, string consumerId, YearPlan plan, int index, int seed)
    {
        var random = new Random(unchecked(seed * 1_000_003 + 700_000_000 + index));
        var skill = YearContent.Skills[index % YearContent.Skills.Count];
        var first = random.Next(skill.Agents.Count);
        var agentName = skill.Agents[first];
        var looks = YearContent.LookAlikesFor(random);
        var clock = new SimulatedClock(plan.StartMs(index, random));
        var ending = (index % 4) switch { 0 => "survey", 1 => "consumer-close-csat", _ => "agent-close" };
        var transferred = index % 5 == 3;
        var facts = new List<MessageFacts>();
        using var scope = world.At(clock);
        void Step() => clock.Advance(plan.Step(random));

        var conversationId = world.RequestConversation(consumerId, skill.Id, allowSeveralOpen: true); // history never clashes with a live conversation
        long Publish(string originator, string role, string eventJson)
        {
            var change = world.PublishChange(conversationId, null, originator, role, eventJson, null);
            var (pii, lookAlikes) = YearContent.Find(eventJson, looks);
            var marker = eventJson == YearContent.Text(YearContent.DeletionMarker);
            if (pii.Count > 0 || lookAlikes.Count > 0 || marker)
            {
                var type = eventJson.Contains("\"RichContentEvent\"", StringComparison.Ordinal) ? "RichContentEvent" : "ContentEvent";
                facts.Add(new MessageFacts(change.DialogId, change.Sequence!.Value, role, type, pii, lookAlikes, marker));
            }
            return change.Sequence!.Value;
        }
        long Say(string originator, string role, string text) => Publish(originator, role, YearContent.Text(text));
        void Receipts(string originator, string role, long sequence, params string[] statuses)
        {
            foreach (var status in statuses)
                world.Publish(conversationId, null, originator, role, $$"""{"type":"AcceptStatusEvent","status":"{{status}}","sequenceList":[{{sequence}}]}""", null);
        }

        var agent = world.AgentId(agentName);
        Step();
        world.Publish(conversationId, null, consumerId, "CONSUMER", Composing, null);
        var opening = Say(consumerId, "CONSUMER", YearContent.Opening(skill, looks));
        Step();
        world.Accept(conversationId, agentName, skill.Id);
        Step();
        Receipts(agent, "ASSIGNED_AGENT", opening, "ACCEPT", "READ");
        var greeting = Say(agent, "ASSIGNED_AGENT", $"Hello, this is {agentName.Split(' ')[0]} from {skill.Name}. Let me check that for you.");
        Step();
        Receipts(consumerId, "CONSUMER", greeting, "ACCEPT", "READ");
        Step();
        if (index % 25 == 1)
        {
            Say(consumerId, "CONSUMER", YearContent.DeletionMarker); // a message whose personal content LivePerson erased
            Step();
        }
        var details = Say(consumerId, "CONSUMER", YearContent.Details(index, looks));
        Step();
        Receipts(agent, "ASSIGNED_AGENT", details, "ACCEPT", "READ");
        var reply = Say(agent, "ASSIGNED_AGENT", "Thank you, I have noted that.");
        Step();
        Receipts(consumerId, "CONSUMER", reply, "ACCEPT", "READ");
        if (YearContent.RichCard(index, looks) is { } card)
        {
            var sequence = Publish(agent, "ASSIGNED_AGENT", card);
            Step();
            Receipts(consumerId, "CONSUMER", sequence, "READ");
            Step();
        }
        if (transferred)
        {
            var second = skill.Agents[(first + 1) % skill.Agents.Count];
            world.ChangeParticipants(conversationId, "transfer", second, null);
            agent = world.AgentId(second);
            Step();
            Say(agent, "ASSIGNED_AGENT", $"Hi, {second.Split(' ')[0]} here, I have taken over.");
            Step();
        }
        if (index % 6 == 4)
        {
            world.SetTtr(conversationId, "URGENT", 600);
            Step();
        }
        var thanks = Say(consumerId, "CONSUMER", "Thanks for your help!");
        Receipts(agent, "ASSIGNED_AGENT", thanks, "READ");
        Step();
        world.Annotate(conversationId, new ScenarioFacts("year", index, skill.Name, ending, transferred, facts)); // before it closes: a closed conversation has its facts
        End(world, conversationId, consumerId, ending, random, Step);
        return conversationId;
    }

    private static void End(SimulatorWorld world, string conversationId, string consumerId, string ending, Random random, Action step)
    {
        switch (ending)
        {
            case "survey":
            {
                var survey = world.CloseMain(conversationId, "AGENT", survey: true)!;
                step();
                var question = world.Publish(conversationId, survey, world.AgentId("Survey Bot"), "AGENT",
                    """{"type":"ContentEvent","contentType":"text/plain","message":"How would you rate this conversation?"}""",
                    """[{"type":"Question","questionId":"q1"}]""")!.Value;
                step();
                var answer = random.Next(1, 6).ToString(CultureInfo.InvariantCulture);
                var metadata = $$"""[{"type":"Answer","questionId":"q1","id":"a{{answer}}","provider":"AC"}]""";
                world.Publish(conversationId, survey, consumerId, "CONSUMER", $$"""{"type":"AcceptStatusEvent","status":"ACTION","sequenceList":[{{question}}]}""", metadata);
                world.Publish(conversationId, survey, consumerId, "CONSUMER", YearContent.Text(answer), metadata);
                step();
                world.CompleteSurvey(conversationId);
                break;
            }
            case "consumer-close-csat":
                world.CloseStage(conversationId, "CONSUMER");
                step();
                world.SetCsat(conversationId, random.Next(1, 6), random.Next(2) == 0, "FILLED");
                break;
            default:
                world.CloseStage(conversationId, "AGENT");
                break;
        }
    }
}
