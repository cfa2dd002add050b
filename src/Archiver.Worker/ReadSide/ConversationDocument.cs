using System.Text.Encodings.Web;
using System.Text.Json;

namespace Archiver.Worker.ReadSide;

/// <summary>
/// One conversation as compliance reads it, assembled from the read models: one line of a JSONL export, the body of
/// <c>archiver transcript --format json</c>, a section of the HTML export. Times are UTC (<see cref="DateTimeKind.Utc"/>),
/// written ISO-8601 with a <c>Z</c>.
/// </summary>
public sealed record ConversationDocument(
    string ConversationId,
    string? ConsumerId,
    string? AgentId,
    string? AgentName,
    string? BrandId,
    string? SkillId,
    string? State,
    string? Stage,
    DateTime? StartTs,
    DateTime? EndTs,
    string? CloseReason,
    decimal? DurationSeconds,
    int? ConsumerMessages,
    int? AgentMessages,
    decimal? FirstResponseSeconds,
    IReadOnlyList<ParticipantChange> Participants,
    CsatDocument? Csat,
    IReadOnlyList<MessageDocument> Messages)
{
    /// <summary>camelCase, nulls written, non-ASCII kept as is (an export is read by people and tools, never embedded in a page).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

/// <summary>A row of <c>readmodel.participants</c>: someone joined or left (a transfer is one of each).</summary>
public sealed record ParticipantChange(string ParticipantId, string Role, string Change, DateTime? At);

/// <summary>The legacy CSAT of <c>readmodel.csat_results</c> and the post-survey answers of <c>readmodel.survey_answers</c>.</summary>
public sealed record CsatDocument(int? Rate, bool? ResolutionConfirmation, string? Status, DateTime? SubmittedAt, IReadOnlyList<SurveyAnswer> SurveyAnswers);

public sealed record SurveyAnswer(string? QuestionId, string? AnswerId, string? Answer, DateTime? AnsweredAt);

/// <summary>
/// A row of <c>readmodel.transcript_messages</c> with its dialog's type, the agent's name where known and the first
/// delivery (<see cref="AcceptedAt"/>) and read (<see cref="ReadAt"/>) receipt by any participant other than the author.
/// </summary>
public sealed record MessageDocument(
    string DialogId,
    string? DialogType,
    long Sequence,
    string? OriginatorId,
    string Role,
    string? OriginatorRole,
    string? AgentName,
    string EventType,
    string? ContentType,
    string? Text,
    string? FilePath,
    JsonElement? RichContent,
    DateTime? ServerTimestamp,
    DateTime? AcceptedAt,
    DateTime? ReadAt);
