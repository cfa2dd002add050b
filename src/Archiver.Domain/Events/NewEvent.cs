namespace Archiver.Domain.Events;

/// <summary>An event to append: one change exactly as received, addressed to a stream.</summary>
/// <param name="StreamId">A <c>dialogId</c> for messaging events, a <c>conversationId</c> for metadata.</param>
/// <param name="Position">
/// The event's position in its stream when the source numbers it (LivePerson's <c>sequence</c>, from 0, holes
/// allowed); <see langword="null"/> to let the store assign the next one under the stream's lock.
/// </param>
/// <param name="Type">The event type, e.g. <c>ContentEvent</c> or <c>ConversationStateObserved</c>.</param>
/// <param name="Body">The change as received: verbatim JSON text, unknown fields and all. This is the evidence.</param>
/// <param name="ServerTimestamp">The server's timestamp for the change, when it has one.</param>
/// <param name="DedupeKey">
/// For store-assigned positions: the caller's key of "the same content", so a repeated state is recognised and not
/// appended again. Ignored identity-wise when <see cref="Position"/> is given (the key is then (stream, position)).
/// </param>
/// <param name="Issues">
/// What kept the change from being mapped exactly as it came (an unusable key, a timestamp that is not one): recorded
/// beside the event in archive.rejections when it is first appended.
/// </param>
public sealed record NewEvent(
    string StreamId,
    long? Position,
    string Type,
    string Body,
    DateTimeOffset? ServerTimestamp = null,
    string? DedupeKey = null,
    IReadOnlyList<Protocol.ArchiveIssue>? Issues = null);
