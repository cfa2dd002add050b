namespace Archiver.Simulator.World;

public enum ConsumerMode
{
    Signup,
    Unauthenticated,
    Authenticated,
}

/// <summary>A consumer the IDP created, and its open sockets.</summary>
public sealed class SimConsumer(string id, ConsumerMode mode)
{
    public string Id { get; } = id;

    public ConsumerMode Mode { get; } = mode;

    public List<IConversationListener> Connections { get; } = [];

    public bool ScenarioStarted { get; set; }

    /// <summary>Sockets the client closed with 1000 (normal closure), under the world's lock.</summary>
    public int NormalCloses { get; set; }

    /// <summary>Sequenced messaging changes plus state versions emitted for this consumer (under the world's lock): what the fault record compares.</summary>
    public long Emitted { get; set; }
}

public sealed record SimParticipant(string Id, string Role);

public sealed class SimDialog(string dialogId, string dialogType, long creationTs)
{
    public string DialogId { get; } = dialogId;

    public string DialogType { get; } = dialogType;

    public string State { get; set; } = "OPEN";

    public long CreationTs { get; } = creationTs;

    public long? EndTs { get; set; }

    public string? ClosedBy { get; set; }

    public string? ClosedCause { get; set; }

    public List<SimParticipant> Participants { get; } = [];

    /// <summary>Sequenced changes (content, receipts), frozen JSON, in sequence order: the ground truth.</summary>
    public List<(long Sequence, string Json)> Events { get; } = [];

    /// <summary>ChatStateEvents: not sequenced.</summary>
    public List<string> ChatStates { get; } = [];

    public long NextSequence { get; set; }
}

public sealed class SimConversation(string id, string consumerId, long startTs)
{
    public string Id { get; } = id;

    public string ConsumerId { get; } = consumerId;

    public string State { get; set; } = "OPEN";

    public string Stage { get; set; } = "OPEN";

    public long StartTs { get; } = startTs;

    public long? EndTs { get; set; }

    public string? CloseReason { get; set; }

    public string SkillId { get; set; } = "-1";

    public List<SimParticipant> Participants { get; } = [];

    public List<SimDialog> Dialogs { get; } = [];

    public (string Type, long Value) Ttr { get; set; } = ("NORMAL", 3600);

    public (int Rate, bool Resolution, string Status)? Csat { get; set; }

    public long LastUpdateTs { get; set; }

    public string? LastContentEvent { get; set; }

    /// <summary>Every state version's frozen <c>result</c> JSON, in order: what cqm notifications carry, and the ground truth.</summary>
    public List<string> StateVersions { get; } = [];

    public bool FirstConversation { get; init; }

    /// <summary>Set by a scripted scenario (year): its personal-data facts, for the ground truth; null otherwise.</summary>
    public ScenarioFacts? Facts { get; set; }

    public SimDialog Main => Dialogs[0];

    public SimDialog? OpenDialog => Dialogs.LastOrDefault(d => d.State == "OPEN");
}

/// <summary>A socket that wants to hear about a consumer's conversations and dialogs. Called under the world's lock: must not block.</summary>
public interface IConversationListener
{
    void ConversationChanged(SimConversation conversation, string stateJson);

    void MessagingChange(string dialogId, string changeJson);

    void Close(int code, string reason);
}

/// <summary>A messaging change as the world froze it: its sequence (null for chat states), its dialog and its exact JSON.</summary>
public sealed record PublishedChange(long? Sequence, string DialogId, string Json);
