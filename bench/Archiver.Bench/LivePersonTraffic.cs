using Archiver.Domain.Events;

namespace Archiver.Bench;

/// <summary>
/// Deterministic LivePerson-shaped messaging events (ms.MessagingEventNotification changes: text from both sides,
/// read receipts), interleaved across many dialogs the way live traffic arrives.
/// </summary>
public static class LivePersonTraffic
{
    private static readonly string[] Words =
        ["hello", "order", "refund", "delivery", "thanks", "please", "account", "card", "help", "agent", "today", "status",
         "package", "address", "payment", "sorry", "check", "minute", "number", "email", "café", "naïve", "ok", "¿qué?"];

    public static List<NewEvent> Generate(int events, int eventsPerDialog = 50, int seed = 42)
    {
        var random = new Random(seed);
        var dialogs = Math.Max(1, events / eventsPerDialog);
        var dialogIds = Enumerable.Range(0, dialogs).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var consumer = Enumerable.Range(0, dialogs).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var agent = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var next = new int[dialogs];
        var list = new List<NewEvent>(events);
        var time = 1_763_800_000_000L;
        // A window of dialogs is active at a time, as in a contact centre; each event goes to a random open dialog.
        var window = Math.Min(dialogs, 2_000);
        var open = Enumerable.Range(0, window).ToList();
        var nextToOpen = window;
        while (list.Count < events)
        {
            var slot = random.Next(open.Count);
            var d = open[slot];
            var seq = next[d]++;
            time += random.Next(0, 3);
            var fromConsumer = random.Next(3) == 0;
            var originator = fromConsumer ? consumer[d] : agent[d % agent.Length];
            var body = seq % 5 == 4
                ? $$"""{"sequence":{{seq}},"originatorId":"{{consumer[d]}}","originatorMetadata":{"id":"{{consumer[d]}}","role":"CONSUMER"},"serverTimestamp":{{time}},"event":{"type":"AcceptStatusEvent","status":"READ","sequenceList":[{{seq - 1}}]},"conversationId":"{{dialogIds[d]}}","dialogId":"{{dialogIds[d]}}"}"""
                : $$"""{"sequence":{{seq}},"originatorId":"{{originator}}","originatorMetadata":{"id":"{{originator}}","role":"{{(fromConsumer ? "CONSUMER" : "ASSIGNED_AGENT")}}"},"serverTimestamp":{{time}},"event":{"type":"ContentEvent","message":"{{Sentence(random)}}","contentType":"text/plain"},"conversationId":"{{dialogIds[d]}}","dialogId":"{{dialogIds[d]}}","metadata":[]}""";
            list.Add(new NewEvent(dialogIds[d], seq, seq % 5 == 4 ? "AcceptStatusEvent" : "ContentEvent", body,
                DateTimeOffset.FromUnixTimeMilliseconds(time)));
            if (next[d] == eventsPerDialog)
            {
                if (nextToOpen < dialogs)
                    open[slot] = nextToOpen++;
                else
                    open.RemoveAt(slot);
                if (open.Count == 0)
                    break;
            }
        }
        return list;
    }

    private static string Sentence(Random random)
    {
        var length = random.Next(3, 25);
        return string.Join(' ', Enumerable.Range(0, length).Select(_ => Words[random.Next(Words.Length)]));
    }
}
