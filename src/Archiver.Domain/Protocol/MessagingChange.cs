using System.Text.Json;

namespace Archiver.Domain.Protocol;

/// <summary>One change of an <c>ms.MessagingEventNotification</c>: a messaging event in a dialog.</summary>
/// <param name="Sequence">The dialog's sequence; absent for ChatStateEvents, which are not sequenced (§6.2, §8).</param>
/// <param name="EventType">The <c>event.type</c> (e.g. <c>ContentEvent</c>, <c>AcceptStatusEvent</c>), or <c>Unknown</c>.</param>
/// <param name="Json">The change exactly as received: the evidence.</param>
public sealed record MessagingChange(
    string DialogId,
    string? ConversationId,
    long? Sequence,
    string EventType,
    string? OriginatorId,
    long? ServerTimestamp,
    string Json)
{
    public const string UnknownEventType = "Unknown";

    /// <summary>Reads a change, or returns null with a reason when it lacks what the archive needs to key it.</summary>
    public static MessagingChange? TryRead(JsonElement change, out string? rejection)
    {
        rejection = null;
        if (change.ValueKind != JsonValueKind.Object)
        {
            rejection = "a messaging change is not a JSON object";
            return null;
        }
        var dialogId = change.Property("dialogId").AsString();
        if (string.IsNullOrEmpty(dialogId))
        {
            rejection = "a messaging change has no dialogId";
            return null;
        }
        var sequence = change.Property("sequence").AsInt64();
        if (sequence is < 0)
        {
            rejection = $"a messaging change in {dialogId} has a negative sequence";
            return null;
        }
        var eventType = change.Property("event").Property("type").AsString();
        return new MessagingChange(
            dialogId,
            change.Property("conversationId").AsString(),
            sequence,
            string.IsNullOrEmpty(eventType) ? UnknownEventType : ProtocolNames.Normalize(eventType),
            change.Property("originatorId").AsString() ?? change.Property("originatorPId").AsString(),
            change.Property("serverTimestamp").AsInt64(),
            change.GetRawText());
    }
}
