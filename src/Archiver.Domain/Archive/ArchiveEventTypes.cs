namespace Archiver.Domain.Archive;

/// <summary>
/// Event types in the archive. Messaging streams (one per dialogId) hold LivePerson's own event types
/// (<c>ContentEvent</c>, <c>RichContentEvent</c>, <c>AcceptStatusEvent</c>, …) with the change verbatim. Conversation
/// streams (one per conversationId) hold each distinct observed state verbatim (<see cref="ConversationObserved"/>)
/// and the meaning the worker read from it (the other types), each pointing at its observation.
/// </summary>
public static class ArchiveEventTypes
{
    public const string ConversationObserved = "ConversationObserved";
    public const string ConversationOpened = "ConversationOpened";
    public const string ParticipantJoined = "ParticipantJoined";
    public const string ParticipantLeft = "ParticipantLeft";
    public const string DialogOpened = "DialogOpened";
    public const string DialogClosed = "DialogClosed";
    public const string TtrChanged = "TtrChanged";
    public const string SkillChanged = "SkillChanged";
    public const string StageChanged = "StageChanged";
    public const string CsatSubmitted = "CsatSubmitted";
    public const string ConversationClosed = "ConversationClosed";
    public const string UnrecognisedFrame = "UnrecognisedFrame";
    public const string AgentProfileObserved = "AgentProfileObserved";

    /// <summary>A change the worker could not file in a dialog or conversation stream (its key is unusable): kept verbatim.</summary>
    public const string UnmappedChange = "UnmappedChange";

    /// <summary>
    /// The worker's own type names. A wire event may carry one (an <c>event.type</c> of "CsatSubmitted"): it is archived
    /// as sent, in its dialog's stream, and the projections never take it for the worker's fact, because they decide by
    /// the kind of stream an event is in (<see cref="StreamKeys.KindOf"/>), not by its type alone.
    /// </summary>
    public static IReadOnlySet<string> Reserved { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        ConversationObserved, ConversationOpened, ParticipantJoined, ParticipantLeft, DialogOpened, DialogClosed, TtrChanged, SkillChanged,
        StageChanged, CsatSubmitted, ConversationClosed, UnrecognisedFrame, AgentProfileObserved, UnmappedChange,
        MigrationApplied, ProjectionsRebuilt, CheckpointKeyChanged, HoldCreated, HoldReleased, MaskingRulesApplied, ErasureRefused,
        ConsumersRegistered, ConsumerRemoved,
    };

    /// <summary>
    /// A conversation's metadata stream. Prefixed because a MAIN dialog's id IS its conversation's id
    /// (docs/protocol.md §8), and the dialog's stream holds LivePerson's sequences as positions, which store-assigned
    /// positions must never collide with.
    /// </summary>
    public static string ConversationStream(string conversationId) => $"conversation:{conversationId}";

    /// <summary>An agent's public profile as fetched from <c>acCdnDomain</c> (docs/protocol.md §9, §14.9): one event
    /// per distinct profile.</summary>
    public static string AgentStream(string agentId) => $"agent:{agentId}";

    /// <summary>The non-sequenced stream that keeps a dialog's ChatStateEvents when they are archived
    /// (docs/protocol.md §14.8).</summary>
    public static string ChatStateStream(string dialogId) => $"chatstate:{dialogId}";

    /// <summary>
    /// The admin stream: every privileged operation on the archive (a migration applied, the read models rebuilt, the
    /// checkpoint key changed, later lifecycle operations), appended by whoever did it, covered by the checkpoints.
    /// </summary>
    public const string AdminStream = "admin:archive";

    public const string MigrationApplied = "MigrationApplied";
    public const string ProjectionsRebuilt = "ProjectionsRebuilt";
    public const string CheckpointKeyChanged = "CheckpointKeyChanged";
    public const string HoldCreated = "HoldCreated";
    public const string HoldReleased = "HoldReleased";
    public const string MaskingRulesApplied = "MaskingRulesApplied";
    public const string ErasureRefused = "ErasureRefused";

    /// <summary>Consumers added to the registry by the owner (<c>archiver consumers add|import</c>): one event per command.</summary>
    public const string ConsumersRegistered = "ConsumersRegistered";

    /// <summary>A consumer removed from the registry by the owner (<c>archiver consumers remove</c>).</summary>
    public const string ConsumerRemoved = "ConsumerRemoved";

    /// <summary>The stream of well-formed frames the worker did not recognise, per consumer.</summary>
    public static string UnrecognisedStream(string consumerName) => $"unrecognised:{consumerName}";
}
