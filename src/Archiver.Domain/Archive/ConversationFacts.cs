using System.Text.Json;
using System.Text.Json.Serialization;

namespace Archiver.Domain.Archive;

/// <summary>What the worker read from a conversation's metadata: the bodies of the conversation stream's derived events.</summary>
public abstract record ConversationFact(string ConversationId, string Observation)
{
    [JsonIgnore]
    public abstract string EventType { get; }
}

public sealed record ConversationOpened(string ConversationId, string? ConsumerId, string? BrandId, string? SkillId, long? StartTs, string Observation)
    : ConversationFact(ConversationId, Observation)
{
    public override string EventType => ArchiveEventTypes.ConversationOpened;
}

public sealed record ParticipantJoined(string ConversationId, string ParticipantId, string Role, long? At, string Observation)
    : ConversationFact(ConversationId, Observation)
{
    public override string EventType => ArchiveEventTypes.ParticipantJoined;
}

public sealed record ParticipantLeft(string ConversationId, string ParticipantId, string Role, long? At, string Observation)
    : ConversationFact(ConversationId, Observation)
{
    public override string EventType => ArchiveEventTypes.ParticipantLeft;
}

public sealed record DialogOpened(string ConversationId, string DialogId, string? DialogType, string? ChannelType, long? CreationTs, string Observation)
    : ConversationFact(ConversationId, Observation)
{
    public override string EventType => ArchiveEventTypes.DialogOpened;
}

public sealed record DialogClosed(string ConversationId, string DialogId, string? DialogType, string? ClosedBy, string? ClosedCause, long? EndTs, string Observation)
    : ConversationFact(ConversationId, Observation)
{
    public override string EventType => ArchiveEventTypes.DialogClosed;
}

public sealed record TtrChanged(string ConversationId, string? TtrType, long? Value, long? At, string Observation)
    : ConversationFact(ConversationId, Observation)
{
    public override string EventType => ArchiveEventTypes.TtrChanged;
}

public sealed record SkillChanged(string ConversationId, string? SkillId, long? At, string Observation)
    : ConversationFact(ConversationId, Observation)
{
    public override string EventType => ArchiveEventTypes.SkillChanged;
}

public sealed record StageChanged(string ConversationId, string? Stage, long? At, string Observation)
    : ConversationFact(ConversationId, Observation)
{
    public override string EventType => ArchiveEventTypes.StageChanged;
}

public sealed record CsatSubmitted(string ConversationId, long? Rate, bool? ResolutionConfirmation, string? Status, long? At, string Observation)
    : ConversationFact(ConversationId, Observation)
{
    public override string EventType => ArchiveEventTypes.CsatSubmitted;
}

public sealed record ConversationClosed(string ConversationId, string? CloseReason, long? EndTs, string Observation)
    : ConversationFact(ConversationId, Observation)
{
    public override string EventType => ArchiveEventTypes.ConversationClosed;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ConversationOpened))]
[JsonSerializable(typeof(ParticipantJoined))]
[JsonSerializable(typeof(ParticipantLeft))]
[JsonSerializable(typeof(DialogOpened))]
[JsonSerializable(typeof(DialogClosed))]
[JsonSerializable(typeof(TtrChanged))]
[JsonSerializable(typeof(SkillChanged))]
[JsonSerializable(typeof(StageChanged))]
[JsonSerializable(typeof(CsatSubmitted))]
[JsonSerializable(typeof(ConversationClosed))]
public sealed partial class ConversationFactJson : JsonSerializerContext;
