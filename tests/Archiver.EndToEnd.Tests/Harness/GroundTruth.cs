using System.Text.Json;

namespace Archiver.EndToEnd.Tests.Harness;

/// <summary>What the simulator says it emitted (<c>GET /control/ground-truth</c>): each change's exact JSON.</summary>
public sealed record GroundTruth(IReadOnlyList<TrueConversation> Conversations)
{
    public int MessagingEvents => Conversations.Sum(c => c.Dialogs.Sum(d => d.Events.Count));

    public static GroundTruth Read(JsonElement root) => new(
        root.GetProperty("conversations").EnumerateArray().Select(c => new TrueConversation(
            c.GetProperty("conversationId").GetString()!,
            c.GetProperty("consumerId").GetString()!,
            c.GetProperty("states").EnumerateArray().Select(s => s.Clone()).ToList(),
            c.GetProperty("dialogs").EnumerateArray().Select(d => new TrueDialog(
                d.GetProperty("dialogId").GetString()!,
                d.TryGetProperty("dialogType", out var type) ? type.GetString() : null,
                d.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToList())).ToList())).ToList());
}

public sealed record TrueConversation(string ConversationId, string ConsumerId, IReadOnlyList<JsonElement> States, IReadOnlyList<TrueDialog> Dialogs);

public sealed record TrueDialog(string DialogId, string? DialogType, IReadOnlyList<JsonElement> Events);
