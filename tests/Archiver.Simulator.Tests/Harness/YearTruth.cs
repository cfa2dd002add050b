using System.Text.Json;

namespace Archiver.Simulator.Tests.Harness;

/// <summary>The year scenario's conversations in the ground truth (docs/simulator.md, "The year"), by index.</summary>
public sealed record YearTruth(IReadOnlyList<JsonElement> Conversations)
{
    public static readonly string[] PersonalDataKinds = ["card", "ssn", "email", "phone", "iban"];

    public const string DeletionMarker = "*** LP deleted data ***";

    public static async Task<YearTruth> ReadAsync(Sim sim, string? consumerId = null)
    {
        var truth = await sim.GroundTruthAsync(consumerId);
        return new YearTruth(truth.GetProperty("conversations").EnumerateArray()
            .Where(c => c.Prop("scenario").Str("kind") == "year")
            .OrderBy(c => c.Prop("scenario").Num("index"))
            .ToList());
    }

    public static JsonElement LastState(JsonElement conversation) => conversation.GetProperty("states").EnumerateArray().Last();

    public static bool Closed(JsonElement conversation) => LastState(conversation).Prop("conversationDetails").Str("stage") == "CLOSE";

    /// <summary>Every sequenced event of the conversation, by (dialogId, sequence).</summary>
    public static Dictionary<(string Dialog, long Sequence), JsonElement> Events(JsonElement conversation) =>
        conversation.GetProperty("dialogs").EnumerateArray()
            .SelectMany(d => d.GetProperty("events").EnumerateArray().Select(e => (Key: (d.Str("dialogId")!, e.Num("sequence")!.Value), Event: e)))
            .ToDictionary(x => x.Key, x => x.Event);

    /// <summary>The scenario's annotated messages: those with personal data, look-alikes or the deletion marker.</summary>
    public static IEnumerable<JsonElement> Messages(JsonElement conversation) => conversation.Prop("scenario").GetProperty("messages").EnumerateArray();

    public static IEnumerable<(string Kind, string Value)> Mentions(JsonElement message, string list) =>
        message.GetProperty(list).EnumerateArray().Select(m => (m.Str("kind")!, m.Str("value")!));

    /// <summary>Every timestamp the conversation carries: its own, every state version's and dialog's, every event's.</summary>
    public static IEnumerable<(string Where, long Ms)> Timestamps(JsonElement conversation)
    {
        yield return ("startTs", conversation.Num("startTs")!.Value);
        if (conversation.Num("endTs") is { } end)
            yield return ("endTs", end);
        foreach (var state in conversation.GetProperty("states").EnumerateArray())
        {
            var details = state.Prop("conversationDetails");
            yield return ("state startTs", details.Num("startTs")!.Value);
            if (details.Str("stage") == "CLOSE" || details.Num("endTs") != 0)
                yield return ("state endTs", details.Num("endTs")!.Value);
            yield return ("state metaDataLastUpdateTs", details.Num("metaDataLastUpdateTs")!.Value);
            foreach (var dialog in details.GetProperty("dialogs").EnumerateArray())
            {
                yield return ("dialog creationTs", dialog.Num("creationTs")!.Value);
                if (dialog.Num("endTs") is { } dialogEnd)
                    yield return ("dialog endTs", dialogEnd);
                yield return ("dialog metaDataLastUpdateTs", dialog.Num("metaDataLastUpdateTs")!.Value);
            }
            if (state.Prop("lastContentEventNotification").Num("serverTimestamp") is { } last)
                yield return ("lastContentEventNotification", last);
        }
        foreach (var dialog in conversation.GetProperty("dialogs").EnumerateArray())
        {
            foreach (var e in dialog.GetProperty("events").EnumerateArray())
                yield return ($"event {e.Num("sequence")}", e.Num("serverTimestamp")!.Value);
        }
    }
}
