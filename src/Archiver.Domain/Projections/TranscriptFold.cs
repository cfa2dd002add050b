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

/// <summary>Pure: archived events → transcript rows. Messages are ContentEvents and RichContentEvents in dialog streams.</summary>
public static class TranscriptFold
{
    public static TranscriptMessage? Message(RecordedEvent e)
    {
        if (e.Type is not ("ContentEvent" or "RichContentEvent"))
            return null;
        using var document = JsonDocument.Parse(e.Body);
        var change = document.RootElement;
        var @event = change.Property("event");
        var message = @event.Property("message");
        var contentType = @event.Property("contentType").AsString() ?? (e.Type == "RichContentEvent" ? "rich-content" : null);
        string? text = null, file = null, rich = null;
        if (e.Type == "RichContentEvent")
        {
            // The wire says content (SDKs, docs) and the schema says message (§12.5): take whichever is there.
            var content = @event.Property("content");
            rich = (content.ValueKind != JsonValueKind.Undefined ? content : message).GetRawText();
        }
        else if (message.ValueKind == JsonValueKind.String)
        {
            text = message.GetString();
        }
        else if (message.ValueKind == JsonValueKind.Object)
        {
            text = message.Property("caption").AsString() ?? message.Property("title").AsString();
            file = message.Property("relativePath").AsString();
            if (file is null)
                rich = message.GetRawText();
        }

        return new TranscriptMessage(
            e.StreamId,
            e.Position,
            change.Property("conversationId").AsString(),
            e.Type,
            change.Property("originatorId").AsString() ?? change.Property("originatorPId").AsString(),
            change.Property("originatorMetadata").Property("role").AsString(),
            contentType,
            text,
            file,
            rich,
            e.ServerTimestamp,
            e.GlobalPosition);
    }

    /// <summary>The dialog a conversation stream's DialogOpened/DialogClosed describes.</summary>
    public static DialogRow? Dialog(RecordedEvent e)
    {
        if (e.Type is not (ArchiveEventTypes.DialogOpened or ArchiveEventTypes.DialogClosed))
            return null;
        using var document = JsonDocument.Parse(e.Body);
        var fact = document.RootElement;
        var opened = e.Type == ArchiveEventTypes.DialogOpened;
        return new DialogRow(
            fact.Property("dialogId").AsString()!,
            fact.Property("conversationId").AsString()!,
            fact.Property("dialogType").AsString(),
            fact.Property("channelType").AsString(),
            opened ? "OPEN" : "CLOSE",
            opened ? Time(fact.Property("creationTs")) : null,
            opened ? null : Time(fact.Property("endTs")),
            fact.Property("closedBy").AsString(),
            fact.Property("closedCause").AsString());
    }

    private static DateTimeOffset? Time(JsonElement ms) => ms.AsInt64() is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
}
