using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Projections;

/// <summary>A receipt of one message by one participant (an AcceptStatusEvent names several messages: several rows).</summary>
public sealed record ReceiptRow(string DialogId, long Sequence, string ParticipantId, string? ParticipantRole, DateTimeOffset? AcceptedAt, DateTimeOffset? ReadAt);

/// <summary>A conversation's state as one observation shows it; <see cref="LastUpdate"/> orders observations.</summary>
public sealed record ConversationRow(
    string ConversationId, string? ConsumerId, string? BrandId, string? SkillId, string? AgentId, string? State, string? Stage,
    string? CloseReason, DateTimeOffset? Start, DateTimeOffset? End, DateTimeOffset? LastUpdate);

public sealed record CsatRow(string ConversationId, int? Rate, bool? ResolutionConfirmation, string? Status, DateTimeOffset? SubmittedAt);

public sealed record SurveyAnswerRow(string DialogId, long Sequence, string ConversationId, string? QuestionId, string? AnswerId, string? AnswerText, DateTimeOffset? AnsweredAt);

public sealed record ParticipantRow(long GlobalPosition, string ConversationId, string ParticipantId, string Role, string Change, DateTimeOffset? At);

/// <summary>
/// Pure: archived events → rows of the read models of migrations/0004_read_models.sql. Each fold looks only at the
/// kind of stream its rows come from (a wire event typed "CsatSubmitted" in a dialog stream is not a CSAT), and is
/// total: what it had to change or leave out is added to the issues.
/// </summary>
public static class ReadModelFold
{
    public static IEnumerable<ReceiptRow> Receipts(RecordedEvent e, List<ArchiveIssue> issues)
    {
        if (e.Type != "AcceptStatusEvent" || StreamKeys.KindOf(e.StreamId) != StreamKind.Dialog)
            return [];
        using var document = JsonLimits.Parse(e.Body);
        var change = document.RootElement;
        var @event = change.Property("event");
        var status = @event.Property("status").AsString();
        if (status is not ("ACCEPT" or "READ"))
            return [];
        var originator = change.Property("originatorId");
        var participant = ProjectedValues.Text(originator.IsPresent() ? originator : change.Property("originatorPId"), "originatorId", issues);
        if (participant is null)
            return [];
        var role = ProjectedValues.Text(change.Property("originatorMetadata").Property("role"), "originatorMetadata.role", issues);
        var at = e.ServerTimestamp;
        var rows = new List<ReceiptRow>();
        foreach (var sequence in @event.Property("sequenceList").ElementOrArray())
        {
            if (sequence.AsInt64() is { } seq and >= 0)
                rows.Add(new ReceiptRow(e.StreamId, seq, participant, role, status == "ACCEPT" ? at : null, status == "READ" ? at : null));
            else
                issues.Add(ArchiveIssue.Of(IssueReasons.SequenceInvalid, $"sequenceList: {MessagingChange.Shown(sequence)} is not a message's sequence; no receipt for it"));
        }
        return rows;
    }

    public static ConversationRow? Conversation(RecordedEvent e, List<ArchiveIssue> issues)
    {
        if (e.Type != ArchiveEventTypes.ConversationObserved || StreamKeys.KindOf(e.StreamId) != StreamKind.Conversation)
            return null;
        using var document = JsonLimits.Parse(e.Body);
        var change = ConversationChange.Read(document.RootElement);
        if (change.ConversationId is null)
            return null;
        var s = change.Snapshot;
        issues.AddRange(s.Problems);
        return new ConversationRow(
            ProjectedValues.Text(s.ConversationId, "convId", issues)!,
            ProjectedValues.Text(s.ConsumerId, "consumer id", issues),
            ProjectedValues.Text(s.BrandId, "brandId", issues),
            ProjectedValues.Text(s.SkillId, "skillId", issues),
            ProjectedValues.Text(s.Participants.FirstOrDefault(p => p.Role == "ASSIGNED_AGENT")?.Id, "assigned agent id", issues),
            ProjectedValues.Text(s.State, "state", issues),
            ProjectedValues.Text(s.Stage, "stage", issues),
            ProjectedValues.Text(s.CloseReason, "closeReason", issues),
            ProjectedValues.Time(s.StartTs), ProjectedValues.Time(s.EndTs), ProjectedValues.Time(s.LastUpdateTs));
    }

    public static CsatRow? Csat(RecordedEvent e, List<ArchiveIssue> issues)
    {
        if (e.Type != ArchiveEventTypes.CsatSubmitted || StreamKeys.KindOf(e.StreamId) != StreamKind.Conversation)
            return null;
        var fact = JsonSerializer.Deserialize(e.Body, ConversationFactJson.Default.CsatSubmitted);
        if (fact is null)
            return null;
        // Facts written before rates were checked may hold one that is no integer of the column's size.
        int? rate = fact.Rate is { } r and >= int.MinValue and <= int.MaxValue ? (int)r : null;
        if (fact.Rate is not null && rate is null)
            issues.Add(ArchiveIssue.Of(IssueReasons.NumberInvalid, $"CSAT rate {fact.Rate} does not fit the rate column"));
        return new CsatRow(ProjectedValues.Text(fact.ConversationId, "conversationId", issues)!, rate, fact.ResolutionConfirmation,
            ProjectedValues.Text(fact.Status, "status", issues), ProjectedValues.Time(fact.At));
    }

    public static ParticipantRow? Participant(RecordedEvent e, List<ArchiveIssue> issues)
    {
        if (StreamKeys.KindOf(e.StreamId) != StreamKind.Conversation)
            return null;
        switch (e.Type)
        {
            case ArchiveEventTypes.ParticipantJoined:
            {
                var f = JsonSerializer.Deserialize(e.Body, ConversationFactJson.Default.ParticipantJoined)!;
                return new ParticipantRow(e.GlobalPosition, ProjectedValues.Text(f.ConversationId, "conversationId", issues)!,
                    ProjectedValues.Text(f.ParticipantId, "participant id", issues)!, ProjectedValues.Text(f.Role, "role", issues)!, "JOINED", ProjectedValues.Time(f.At));
            }
            case ArchiveEventTypes.ParticipantLeft:
            {
                var f = JsonSerializer.Deserialize(e.Body, ConversationFactJson.Default.ParticipantLeft)!;
                return new ParticipantRow(e.GlobalPosition, ProjectedValues.Text(f.ConversationId, "conversationId", issues)!,
                    ProjectedValues.Text(f.ParticipantId, "participant id", issues)!, ProjectedValues.Text(f.Role, "role", issues)!, "LEFT", ProjectedValues.Time(f.At));
            }
            default:
                return null;
        }
    }

    /// <summary>A consumer message carrying an <c>Answer</c> in its metadata (the post-conversation survey, docs/protocol.md).</summary>
    public static SurveyAnswerRow? SurveyAnswer(RecordedEvent e, List<ArchiveIssue> issues)
    {
        // Most messages carry no survey answer: skip parsing them (a false positive is parsed and dropped below).
        if (e.Type != "ContentEvent" || !e.Body.Contains("\"Answer\"", StringComparison.Ordinal) || StreamKeys.KindOf(e.StreamId) != StreamKind.Dialog)
            return null;
        using var document = JsonLimits.Parse(e.Body);
        var change = document.RootElement;
        var answer = change.Property("metadata").ElementOrArray().FirstOrDefault(m => m.Property("type").AsString() == "Answer");
        if (answer.ValueKind != JsonValueKind.Object)
            return null;
        var message = change.Property("event").Property("message");
        return new SurveyAnswerRow(
            e.StreamId, e.Position, ProjectedValues.Text(change.Property("conversationId"), "conversationId", issues) ?? e.StreamId,
            ProjectedValues.Text(answer.Property("questionId"), "questionId", issues),
            ProjectedValues.Text(answer.Property("id"), "answer id", issues),
            message.ValueKind == JsonValueKind.String ? ProjectedValues.Text(message, "answer text", issues) : null, e.ServerTimestamp);
    }
}
