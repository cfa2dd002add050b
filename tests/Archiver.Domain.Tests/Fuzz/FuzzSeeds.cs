using System.Text;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Fuzz;

/// <summary>A frame to mutate, and the conversation state a change of it may be diffed against.</summary>
internal sealed record FuzzSeed(string Name, RawJson Frame, ConversationSnapshot? Previous);

/// <summary>
/// The frames the fuzz starts from: every notification.* sample, read in place, and frames built from them for what the
/// samples lack (rich content, a hosted file, a survey answer, CSAT, a role map, several changes in one frame, a missing
/// type, the v2 OnlineEventDistribution body, the aam. and .ams. spellings, a single change for an array, a DELETE).
/// </summary>
internal static class FuzzSeeds
{
    private const string Card = """
        {"type":"vertical","elements":[{"type":"text","text":"Pick one","tooltip":"x"},{"type":"button","title":"Yes","click":{"actions":[{"type":"link","uri":"https://example.com/?a=1&b=2"}]}},{"type":"image","url":"https://example.com/i.png"}]}
        """;

    public static IReadOnlyList<FuzzSeed> Load()
    {
        var samples = Samples.Named("notification.").ToDictionary(n => n, n => RawJson.Parse(Samples.Text(n)), StringComparer.Ordinal);
        var frames = samples.Select(s => (s.Key, s.Value)).ToList();

        RawJson Sample(string name) => samples["notification." + name + ".json"].Clone();
        static RawObject FirstChange(RawJson frame) => (RawObject)((RawObject)frame).Object("body").Array("changes").Items[0];

        var rich = Sample("ms.MessagingEventNotification.ContentEvent.consumer.1");
        FirstChange(rich).Set("event", RawJson.Parse($$"""{"type":"RichContentEvent","content":{{Card}}}"""));
        frames.Add(("rich content", rich));

        var richAsMessage = Sample("ms.MessagingEventNotification.ContentEvent.3");
        FirstChange(richAsMessage).Set("event", RawJson.Parse($$"""{"type":"RichContentEvent","message":{{Card}}}"""));
        frames.Add(("rich content as message", richAsMessage));

        var file = Sample("ms.MessagingEventNotification.ContentEvent.2");
        FirstChange(file).Object("event").Set("contentType", new RawToken("\"hosted/file\""))
            .Set("message", RawJson.Parse("""{"caption":"Hello Kitten","relativePath":"/v1/AUTH_async-images/64467156/kitten.jpg","fileType":"JPG","preview":"data:image/jpeg;base64,AAAA"}"""));
        frames.Add(("hosted file", file));

        var answer = Sample("ms.MessagingEventNotification.ContentEvent.consumer.post-survey.1");
        FirstChange(answer).Set("metadata", FirstChange(Sample("ms.MessagingEventNotification.AcceptStatusEvent.ACTION.1")).Get("metadata")!);
        frames.Add(("survey answer", answer));

        var csat = Sample("cqm.ExConversationChangeNotification.post-survey-open.1");
        var details = ((RawObject)FirstChange(csat).Object("result")).Object("conversationDetails");
        details.Set("csat", RawJson.Parse("""{"csatRate":4,"csatResolutionConfirmation":true,"status":"FILLED"}""")).Set("stage", new RawToken("\"CLOSE\""))
            .Set("skillId", new RawToken("\"1234\"")).Set("endTs", new RawToken("1538499300000"));
        foreach (var dialog in details.Array("dialogs").Items.Cast<RawObject>())
            dialog.Set("state", new RawToken("\"CLOSE\"")).Set("endTs", new RawToken("1538499300000"));
        frames.Add(("closed with CSAT", csat));

        var roleMap = Sample("cqm.ExConversationChangeNotification.webhook.new-conv.1");
        ((RawObject)FirstChange(roleMap).Object("result")).Object("conversationDetails")
            .Set("participants", RawJson.Parse("""{"CONSUMER":["ade26082b1185839"],"ASSIGNED_AGENT":"29c3019d-fe0b-5200-afe8-737abfeae4b4"}"""));
        frames.Add(("participants as a role map", roleMap));

        var several = Sample("ms.MessagingEventNotification.ContentEvent.3");
        ((RawObject)several).Object("body").Array("changes").Items.AddRange(
            [FirstChange(Sample("ms.MessagingEventNotification.AcceptStatusEvent.READ.1")), FirstChange(Sample("ms.MessagingEventNotification.ChatStateEvent.COMPOSING.1")), FirstChange(rich.Clone())]);
        frames.Add(("several messaging changes", several));

        var states = Sample("cqm.ExConversationChangeNotification.participantsPId.new-conv.1");
        ((RawObject)states).Object("body").Array("changes").Items.AddRange([FirstChange(Sample("cqm.ExConversationChangeNotification.post-survey-open.1")), FirstChange(csat.Clone())]);
        frames.Add(("several conversation changes", states));

        frames.Add(("messaging without a type", ((RawObject)Sample("ms.MessagingEventNotification.ContentEvent.consumer.1")).Remove("type")));
        frames.Add(("conversation without a type", ((RawObject)Sample("cqm.ExConversationChangeNotification.post-survey-open.1")).Remove("type")));
        frames.Add(("OnlineEventDistribution", new RawObject(
        [
            new(RawJson.Literal("kind"), new RawToken("\"notification\"")),
            new(RawJson.Literal("type"), new RawToken("\"ms.OnlineEventDistribution\"")),
            new(RawJson.Literal("body"), FirstChange(Sample("ms.MessagingEventNotification.ContentEvent.3"))),
        ])));
        frames.Add(("aam. spelling", ((RawObject)Sample("cqm.ExConversationChangeNotification.post-survey-open.1")).Set("type", new RawToken("\"aam.ExConversationChangeNotification\""))));
        frames.Add((".ams. spelling", ((RawObject)Sample("ms.MessagingEventNotification.AcceptStatusEvent.ACCEPT.1")).Set("type", new RawToken("\".ams.ms.MessagingEventNotification\""))));
        var single = Sample("ms.MessagingEventNotification.webhook.ContentEvent.agent.1");
        ((RawObject)single).Object("body").Set("changes", FirstChange(single.Clone()));
        frames.Add(("a change for an array", single));
        var deleted = Sample("cqm.ExConversationChangeNotification.webhook.new-conv.1");
        FirstChange(deleted).Set("type", new RawToken("\"DELETE\""));
        frames.Add(("DELETE", deleted));

        return [.. frames.Select(f => new FuzzSeed(f.Item1, f.Item2, FirstState(f.Item2)))];
    }

    /// <summary>The state of the frame's first conversation change as parsed, unmutated: what a mutated copy is diffed against.</summary>
    private static ConversationSnapshot? FirstState(RawJson frame) =>
        FrameParser.Parse(Encoding.UTF8.GetBytes(frame.Text()), out _) is ConversationNotification { Changes: [var first, ..] } ? first.Snapshot : null;
}
