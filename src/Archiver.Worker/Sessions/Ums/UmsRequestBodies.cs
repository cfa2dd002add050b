using System.Text.Json.Serialization;

namespace Archiver.Worker.Sessions.Ums;

/// <summary>
/// The request types the worker sends, in their documented short spelling (docs/protocol.md §4, §14.1).
/// </summary>
public static class UmsRequestTypes
{
    public const string GetClock = ".GetClock";
    public const string SubscribeExConversations = "cqm.SubscribeExConversations";
    public const string SubscribeMessagingEvents = "ms.SubscribeMessagingEvents";
}

/// <summary><c>cqm.SubscribeExConversations</c> (docs/protocol.md §5.3): the worker asks for open and closed
/// conversations.</summary>
public sealed record SubscribeExConversationsBody(IReadOnlyList<string> ConvState);

/// <summary><c>ms.SubscribeMessagingEvents</c> (docs/protocol.md §5.4): history from <paramref name="FromSeq"/>
/// (inclusive), then live events.</summary>
public sealed record SubscribeMessagingEventsBody(string DialogId, long FromSeq, string? ConversationId);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SubscribeExConversationsBody))]
[JsonSerializable(typeof(SubscribeMessagingEventsBody))]
internal sealed partial class UmsJson : JsonSerializerContext;
