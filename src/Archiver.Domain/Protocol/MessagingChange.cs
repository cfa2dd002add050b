using System.Text.Json;

namespace Archiver.Domain.Protocol;

/// <summary>One change of an <c>ms.MessagingEventNotification</c>: a messaging event in a dialog, read tolerantly.</summary>
/// <param name="DialogId">The <c>dialogId</c> as sent (may be missing or unusable as a key: the mapping decides).</param>
/// <param name="Sequence">The dialog's sequence when it is a non-negative integer; see <see cref="SequenceProblem"/>.</param>
/// <param name="SequenceProblem">Why a <c>sequence</c> that is present is not one (1.9, -5, "abc", 1e30); null when fine or absent.</param>
/// <param name="EventType">The <c>event.type</c> as sent (normalised spelling), or <see cref="UnknownEventType"/>.</param>
/// <param name="ServerTimestamp">The <c>serverTimestamp</c> when it is a time in milliseconds that every reader can hold.</param>
/// <param name="ServerTimestampProblem">Why a <c>serverTimestamp</c> that is present is not such a time; null when fine or absent.</param>
/// <param name="IsObject">False when the change is not even a JSON object.</param>
/// <param name="Json">The change exactly as received: the evidence.</param>
public sealed record MessagingChange(
    string? DialogId,
    string? ConversationId,
    long? Sequence,
    string? SequenceProblem,
    string EventType,
    string? OriginatorId,
    long? ServerTimestamp,
    string? ServerTimestampProblem,
    bool IsObject,
    string Json)
{
    public const string UnknownEventType = "Unknown";

    /// <summary>Reads any element of a notification's <c>changes</c>; never fails (the mapping files what it cannot key).</summary>
    public static MessagingChange Read(JsonElement change)
    {
        var json = change.GetRawText();
        if (change.ValueKind != JsonValueKind.Object)
            return new MessagingChange(null, null, null, null, UnknownEventType, null, null, null, IsObject: false, json);

        var sequenceElement = change.Property("sequence");
        var sequence = sequenceElement.AsInt64();
        string? sequenceProblem = null;
        if (sequenceElement.IsPresent() && sequence is not >= 0)
        {
            sequenceProblem = $"sequence {Shown(sequenceElement)} is not a non-negative integer";
            sequence = null;
        }
        var timestampElement = change.Property("serverTimestamp");
        var timestamp = timestampElement.AsInt64();
        string? timestampProblem = null;
        if (timestampElement.IsPresent() && !(timestamp is { } ms && UnixTime.IsInRange(ms)))
        {
            timestampProblem = $"serverTimestamp {Shown(timestampElement)} is not a time in milliseconds since 1970";
            timestamp = null;
        }
        var eventType = change.Property("event").Property("type").AsString();
        return new MessagingChange(
            change.Property("dialogId").AsString(),
            change.Property("conversationId").AsString(),
            sequence,
            sequenceProblem,
            string.IsNullOrEmpty(eventType) ? UnknownEventType : ProtocolNames.Normalize(eventType),
            change.Property("originatorId").AsString() ?? change.Property("originatorPId").AsString(),
            timestamp,
            timestampProblem,
            IsObject: true,
            json);
    }

    /// <summary>A value as it was written, shortened for a detail line.</summary>
    internal static string Shown(JsonElement value)
    {
        var raw = value.GetRawText();
        return raw.Length <= 40 ? raw : raw[..40] + "…";
    }
}
