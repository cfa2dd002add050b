using System.Text.Json;
using Archiver.EndToEnd.Tests.Harness;

namespace Archiver.EndToEnd.Tests.ReviewerConsole;

/// <summary>A message as the simulator sent it: its row id on the conversation page is <c>m-{DialogId}-{Sequence}</c>.</summary>
public sealed record TruthMessage(string DialogId, long Sequence, string EventType, string? ContentType, string? Text)
{
    public string RowId => $"m-{DialogId}-{Sequence}";

    /// <summary>A plain text message: the page shows exactly its text.</summary>
    public bool IsText => EventType == "ContentEvent" && ContentType == "text/plain" && Text is not null;
}

/// <summary>Personal data (or a look-alike) the year scenario put in a message: its kind ("card", "ssn", …) and exact value.</summary>
public sealed record TruthMention(string Kind, string Value);

/// <summary>A message of the year scenario that holds personal data or look-alikes.</summary>
public sealed record TruthScenarioMessage(string DialogId, long Sequence, string EventType, IReadOnlyList<TruthMention> Pii, IReadOnlyList<TruthMention> LookAlikes)
{
    public string RowId => $"m-{DialogId}-{Sequence}";
}

/// <summary>A conversation of the ground truth, its messages in the order the console shows them (MAIN dialog first, then by sequence).</summary>
public sealed record TruthConversation(
    string Id, string ConsumerId, string SkillId, IReadOnlyList<TruthMessage> Messages, IReadOnlyList<TruthScenarioMessage> Scenario)
{
    public IEnumerable<TruthMessage> Texts => Messages.Where(m => m.IsText);
}

/// <summary>The simulator's ground truth (<c>GET /control/ground-truth</c>) read for the console's checks.</summary>
public static class ConsoleTruth
{
    public static async Task<IReadOnlyList<TruthConversation>> ReadAsync(EndToEndRun run)
    {
        await using var stream = await run.Control.GetStreamAsync("/control/ground-truth");
        using var document = await JsonDocument.ParseAsync(stream, GroundTruth.Options);
        var conversations = new List<TruthConversation>();
        foreach (var c in document.RootElement.GetProperty("conversations").EnumerateArray())
        {
            // Transcript order as the console's reader gives it: the MAIN dialog first, the others as they were opened; by sequence within each.
            var dialogs = c.GetProperty("dialogs").EnumerateArray().ToList();
            var messages = dialogs
                .Select((d, index) => (Dialog: d, Order: d.GetProperty("dialogType").GetString() == "MAIN" ? -1 : index))
                .OrderBy(d => d.Order)
                .SelectMany(d => d.Dialog.GetProperty("events").EnumerateArray()
                    .Select(e => (DialogId: d.Dialog.GetProperty("dialogId").GetString()!, Sequence: e.GetProperty("sequence").GetInt64(), Event: e.GetProperty("event")))
                    .OrderBy(e => e.Sequence))
                .Where(e => e.Event.GetProperty("type").GetString() is "ContentEvent" or "RichContentEvent")
                .Select(e => new TruthMessage(e.DialogId, e.Sequence, e.Event.GetProperty("type").GetString()!,
                    Text(e.Event, "contentType"), Text(e.Event, "message")))
                .ToList();
            var scenario = c.TryGetProperty("scenario", out var facts)
                ? facts.GetProperty("messages").EnumerateArray().Select(m => new TruthScenarioMessage(
                    m.GetProperty("dialogId").GetString()!, m.GetProperty("sequence").GetInt64(), m.GetProperty("eventType").GetString()!,
                    Mentions(m, "pii"), Mentions(m, "lookAlikes"))).ToList()
                : [];
            conversations.Add(new TruthConversation(c.GetProperty("conversationId").GetString()!, c.GetProperty("consumerId").GetString()!,
                c.GetProperty("skillId").GetString()!, messages, scenario));
        }
        return conversations;
    }

    private static List<TruthMention> Mentions(JsonElement message, string name) =>
        message.GetProperty(name).EnumerateArray().Select(p => new TruthMention(p.GetProperty("kind").GetString()!, p.GetProperty("value").GetString()!)).ToList();

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
