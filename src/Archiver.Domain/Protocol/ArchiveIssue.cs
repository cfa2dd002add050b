namespace Archiver.Domain.Protocol;

/// <summary>
/// Something about a received change that kept it from being mapped or projected exactly as it came: the change is
/// archived all the same, and the issue is recorded beside it (archive.rejections) where operators and compliance see it.
/// </summary>
/// <param name="Reason">One of <see cref="IssueReasons"/>: a closed set, so it can label a metric.</param>
/// <param name="Detail">What exactly, for a person: bounded in length, no secret.</param>
public sealed record ArchiveIssue(string Reason, string Detail)
{
    private const int MaxDetail = 500;

    /// <summary>An issue whose detail is bounded and printable: no control character of the content reaches a log line.</summary>
    public static ArchiveIssue Of(string reason, string detail)
    {
        var shown = detail.Length <= MaxDetail ? detail : detail[..MaxDetail] + "…";
        if (shown.Any(IsUnprintable))
            shown = string.Concat(shown.Select(c => IsUnprintable(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return new ArchiveIssue(reason, shown);
    }

    /// <summary>Control characters, surrogates (halves of emoji, whole or not: a cut may split one) and bidi overrides.</summary>
    private static bool IsUnprintable(char c) => char.IsControl(c) || char.IsSurrogate(c) || c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}

/// <summary>Why a change, or part of one, was not mapped or projected as it came. docs/ingestion.md explains each.</summary>
public static class IssueReasons
{
    // Mapping: the change is archived in its consumer's unrecognised stream instead of a dialog or conversation stream.
    public const string ChangeNotObject = "change_not_object";
    public const string DialogIdInvalid = "dialog_id_invalid";
    public const string ConversationIdInvalid = "conversation_id_invalid";
    public const string SequenceInvalid = "sequence_invalid";

    // Mapping: archived where it belongs, with a field left out of the event's own columns.
    public const string TimestampOutOfRange = "timestamp_out_of_range";
    public const string EventTypeInvalid = "event_type_invalid";
    public const string EventTypeReserved = "event_type_reserved";

    // Projection: the read-model rows are written sanitised or left out.
    public const string TextRepaired = "text_repaired";
    public const string TextTruncatedForSearch = "text_truncated_for_search";
    public const string NumberInvalid = "number_invalid";
    public const string UnexpectedShape = "unexpected_shape";
    public const string ProjectionFailed = "projection_failed";

    // Frames: nothing of the frame could be archived as an event; its bytes are kept in archive.rejections.
    public const string FrameNotJson = "frame_not_json";
    public const string FrameTooDeep = "frame_too_deep";
    public const string FrameNotObject = "frame_not_object";
    public const string FrameBinary = "frame_binary";
    public const string FrameOversized = "frame_oversized";

    /// <summary>Anything that went wrong unexpectedly while mapping a change: the change is still archived.</summary>
    public const string MappingFailed = "mapping_failed";

    public static IReadOnlyList<string> All { get; } =
    [
        ChangeNotObject, DialogIdInvalid, ConversationIdInvalid, SequenceInvalid, TimestampOutOfRange, EventTypeInvalid, EventTypeReserved,
        TextRepaired, TextTruncatedForSearch, NumberInvalid, UnexpectedShape, ProjectionFailed,
        FrameNotJson, FrameTooDeep, FrameNotObject, FrameBinary, FrameOversized, MappingFailed,
    ];
}
