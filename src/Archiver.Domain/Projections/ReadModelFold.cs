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

public sealed record CsatRow(string ConversationId, long? Rate, bool? ResolutionConfirmation, string? Status, DateTimeOffset? SubmittedAt);

public sealed record SurveyAnswerRow(string DialogId, long Sequence, string ConversationId, string? QuestionId, string? AnswerId, string? AnswerText, DateTimeOffset? AnsweredAt);

public sealed record ParticipantRow(long GlobalPosition, string ConversationId, string ParticipantId, string Role, string Change, DateTimeOffset? At);

/// <summary>Pure: archived events → rows of the read models of migrations/0004_read_models.sql.</summary>
public static class ReadModelFold
{
    public static IEnumerable<ReceiptRow> Receipts(RecordedEvent e)
    {
        if (e.Type != "AcceptStatusEvent")
            yield break;
        using var document = JsonDocument.Parse(e.Body);
        var change = document.RootElement;
        var @event = change.Property("event");
        var status = @event.Property("status").AsString();
        if (status is not ("ACCEPT" or "READ"))
            yield break;
        var participant = change.Property("originatorId").AsString() ?? change.Property("originatorPId").AsString();
        if (participant is null)
            yield break;
        var role = change.Property("originatorMetadata").Property("role").AsString();
        var at = e.ServerTimestamp;
        foreach (var sequence in @event.Property("sequenceList").ElementOrArray())
        {
            if (sequence.AsInt64() is { } seq)
                yield return new ReceiptRow(e.StreamId, seq, participant, role, status == "ACCEPT" ? at : null, status == "READ" ? at : null);
        }
    }

    public static ConversationRow? Conversation(RecordedEvent e)
    {
        if (e.Type != ArchiveEventTypes.ConversationObserved)
            return null;
        using var document = JsonDocument.Parse(e.Body);
        if (ConversationChange.TryRead(document.RootElement, out _) is not { } change)
            return null;
        var s = change.Snapshot;
        return new ConversationRow(
            s.ConversationId, s.ConsumerId, s.BrandId, s.SkillId,
            s.Participants.FirstOrDefault(p => p.Role == "ASSIGNED_AGENT")?.Id,
            s.State, s.Stage, s.CloseReason, Time(s.StartTs), Time(s.EndTs), Time(s.LastUpdateTs));
    }

    public static CsatRow? Csat(RecordedEvent e)
    {
        if (e.Type != ArchiveEventTypes.CsatSubmitted)
            return null;
        var fact = JsonSerializer.Deserialize(e.Body, ConversationFactJson.Default.CsatSubmitted);
        return fact is null ? null : new CsatRow(fact.ConversationId, fact.Rate, fact.ResolutionConfirmation, fact.Status, Time(fact.At));
    }

    public static ParticipantRow? Participant(RecordedEvent e)
    {
        switch (e.Type)
        {
            case ArchiveEventTypes.ParticipantJoined:
            {
                var f = JsonSerializer.Deserialize(e.Body, ConversationFactJson.Default.ParticipantJoined)!;
                return new ParticipantRow(e.GlobalPosition, f.ConversationId, f.ParticipantId, f.Role, "JOINED", Time(f.At));
            }
            case ArchiveEventTypes.ParticipantLeft:
            {
                var f = JsonSerializer.Deserialize(e.Body, ConversationFactJson.Default.ParticipantLeft)!;
                return new ParticipantRow(e.GlobalPosition, f.ConversationId, f.ParticipantId, f.Role, "LEFT", Time(f.At));
            }
            default:
                return null;
        }
    }

    /// <summary>A consumer message carrying an <c>Answer</c> in its metadata (the PCS flow, §8).</summary>
    public static SurveyAnswerRow? SurveyAnswer(RecordedEvent e)
    {
        // Most messages carry no survey answer: skip parsing them (a false positive is parsed and dropped below).
        if (e.Type != "ContentEvent" || !e.Body.Contains("\"Answer\"", StringComparison.Ordinal))
            return null;
        using var document = JsonDocument.Parse(e.Body);
        var change = document.RootElement;
        var answer = change.Property("metadata").ElementOrArray().FirstOrDefault(m => m.Property("type").AsString() == "Answer");
        if (answer.ValueKind != JsonValueKind.Object)
            return null;
        var message = change.Property("event").Property("message");
        return new SurveyAnswerRow(
            e.StreamId, e.Position, change.Property("conversationId").AsString() ?? e.StreamId,
            answer.Property("questionId").AsString(), answer.Property("id").AsString(),
            message.ValueKind == JsonValueKind.String ? message.GetString() : null, e.ServerTimestamp);
    }

    private static DateTimeOffset? Time(long? ms) => ms is { } value and > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
}
