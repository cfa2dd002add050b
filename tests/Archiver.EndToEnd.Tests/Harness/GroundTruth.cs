using System.Text.Json;

namespace Archiver.EndToEnd.Tests.Harness;

/// <summary>What the simulator says it emitted (<c>GET /control/ground-truth</c>): each change's exact JSON.</summary>
public sealed record GroundTruth(IReadOnlyList<TrueConversation> Conversations)
{
    /// <summary>The nesting the simulator's content may reach (its deep hostile cases): the worker's own limit.</summary>
    public static JsonDocumentOptions Options { get; } = new() { MaxDepth = 256 };

    public int MessagingEvents => Conversations.Sum(c => c.Dialogs.Sum(d => d.Events.Count));

    /// <summary>Hostile cases and raw frames sent, in order (docs/simulator.md, "Hostile content").</summary>
    public IReadOnlyList<HostileSent> Hostile { get; init; } = [];

    public static GroundTruth Read(JsonElement root) => new(
        root.GetProperty("conversations").EnumerateArray().Select(c => new TrueConversation(
            c.GetProperty("conversationId").GetString()!,
            c.GetProperty("consumerId").GetString()!,
            c.GetProperty("states").EnumerateArray().Select(s => s.Clone()).ToList(),
            c.GetProperty("dialogs").EnumerateArray().Select(d => new TrueDialog(
                d.GetProperty("dialogId").GetString()!,
                d.TryGetProperty("dialogType", out var type) ? type.GetString() : null,
                d.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToList())).ToList())).ToList())
    {
        Hostile = root.TryGetProperty("hostile", out var hostile)
            ? hostile.EnumerateArray().Select(h => new HostileSent(
                Text(h, "case") ?? Text(h, "raw") ?? "raw", Text(h, "kind")!, Text(h, "conversationId"), Text(h, "dialogId"),
                h.TryGetProperty("sequence", out var sequence) && sequence.ValueKind == JsonValueKind.Number ? sequence.GetInt64() : null,
                h.TryGetProperty("inBand", out var inBand) && inBand.ValueKind == JsonValueKind.True,
                Text(h, "text"), Text(h, "base64") is { } base64 ? Convert.FromBase64String(base64) : null)).ToList()
            : [],
    };

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>A hostile case or raw frame the simulator sent: <see cref="Text"/> is the exact change, state change or frame text.</summary>
public sealed record HostileSent(string Case, string Kind, string? ConversationId, string? DialogId, long? Sequence, bool InBand, string? Text, byte[]? Bytes);

public sealed record TrueConversation(string ConversationId, string ConsumerId, IReadOnlyList<JsonElement> States, IReadOnlyList<TrueDialog> Dialogs);

public sealed record TrueDialog(string DialogId, string? DialogType, IReadOnlyList<JsonElement> Events);
