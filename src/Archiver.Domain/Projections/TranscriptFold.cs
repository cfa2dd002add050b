using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Projections;

/// <summary>A row of <c>readmodel.transcript_messages</c>. A null conversation is resolved through the dialogs table.</summary>
public sealed record TranscriptMessage(
    string DialogId,
    long Sequence,
    string? ConversationId,
    string EventType,
    string? OriginatorId,
    string? OriginatorRole,
    string? ContentType,
    string? Text,
    string? FilePath,
    string? RichContentJson,
    DateTimeOffset? ServerTimestamp,
    long GlobalPosition);

/// <summary>A row of <c>readmodel.dialogs</c>, or a change to one.</summary>
public sealed record DialogRow(
    string DialogId, string ConversationId, string? DialogType, string? ChannelType, string State,
    DateTimeOffset? OpenedAt, DateTimeOffset? ClosedAt, string? ClosedBy, string? ClosedCause);

/// <summary>
/// Pure: archived events → transcript rows. Messages are ContentEvents and RichContentEvents in dialog streams; dialogs
/// come from the facts in conversation streams. Total: any event gives a row or none, and what had to be changed on
/// the way is added to the issues.
/// </summary>
public static class TranscriptFold
{
    public static TranscriptMessage? Message(RecordedEvent e, List<ArchiveIssue> issues)
    {
        if (e.Type is not ("ContentEvent" or "RichContentEvent") || StreamKeys.KindOf(e.StreamId) != StreamKind.Dialog)
            return null;
        using var document = JsonLimits.Parse(e.Body);
        var change = document.RootElement;
        var @event = change.Property("event");
        var message = @event.Property("message");
        var contentType = ProjectedValues.Text(@event.Property("contentType"), "contentType", issues) ?? (e.Type == "RichContentEvent" ? "rich-content" : null);
        string? text = null, file = null, rich = null;
        if (e.Type == "RichContentEvent")
        {
            // The wire says content (SDKs, docs) and the schema says message (docs/protocol.md): take whichever is there.
            var content = @event.Property("content");
            var card = content.ValueKind != JsonValueKind.Undefined ? content : message;
            rich = card.ValueKind == JsonValueKind.Undefined ? null : ProjectedValues.Json(card, "rich content", issues);
        }
        else if (message.ValueKind == JsonValueKind.String)
        {
            text = ProjectedValues.Text(message, "text", issues);
        }
        else if (message.ValueKind == JsonValueKind.Object)
        {
            var caption = message.Property("caption");
            text = ProjectedValues.Text(caption.IsPresent() ? caption : message.Property("title"), "caption", issues);
            file = ProjectedValues.Text(message.Property("relativePath"), "relativePath", issues);
            if (file is null)
                rich = ProjectedValues.Json(message, "message", issues);
        }
        else if (message.IsPresent())
        {
            issues.Add(ArchiveIssue.Of(IssueReasons.UnexpectedShape, $"event.message is a JSON {message.ValueKind}, not text or an object; no text projected"));
        }

        if (text is { Length: > ProjectedValues.SearchPrefixLength })
        {
            issues.Add(ArchiveIssue.Of(IssueReasons.TextTruncatedForSearch,
                $"text of {text.Length} characters: searchable by its first {ProjectedValues.SearchPrefixLength}"));
        }

        return new TranscriptMessage(
            e.StreamId,
            e.Position,
            ProjectedValues.Text(change.Property("conversationId"), "conversationId", issues),
            e.Type,
            ProjectedValues.Text(Either(change.Property("originatorId"), change.Property("originatorPId")), "originatorId", issues),
            ProjectedValues.Text(change.Property("originatorMetadata").Property("role"), "originatorMetadata.role", issues),
            contentType,
            text,
            file,
            rich,
            e.ServerTimestamp,
            e.GlobalPosition);
    }

    /// <summary>The first of two properties that is there (the wire names some values two ways).</summary>
    private static JsonElement Either(JsonElement first, JsonElement second) => first.IsPresent() ? first : second;

    /// <summary>The dialog a conversation stream's DialogOpened/DialogClosed describes.</summary>
    public static DialogRow? Dialog(RecordedEvent e, List<ArchiveIssue> issues)
    {
        if (e.Type is not (ArchiveEventTypes.DialogOpened or ArchiveEventTypes.DialogClosed) || StreamKeys.KindOf(e.StreamId) != StreamKind.Conversation)
            return null;
        using var document = JsonLimits.Parse(e.Body);
        var fact = document.RootElement;
        var dialogId = ProjectedValues.Text(fact.Property("dialogId"), "dialogId", issues);
        var conversationId = ProjectedValues.Text(fact.Property("conversationId"), "conversationId", issues);
        if (dialogId is null || conversationId is null)
            return null;
        var opened = e.Type == ArchiveEventTypes.DialogOpened;
        return new DialogRow(
            dialogId,
            conversationId,
            ProjectedValues.Text(fact.Property("dialogType"), "dialogType", issues),
            ProjectedValues.Text(fact.Property("channelType"), "channelType", issues),
            opened ? "OPEN" : "CLOSE",
            opened ? ProjectedValues.Time(fact.Property("creationTs").AsInt64()) : null,
            opened ? null : ProjectedValues.Time(fact.Property("endTs").AsInt64()),
            ProjectedValues.Text(fact.Property("closedBy"), "closedBy", issues),
            ProjectedValues.Text(fact.Property("closedCause"), "closedCause", issues));
    }
}
