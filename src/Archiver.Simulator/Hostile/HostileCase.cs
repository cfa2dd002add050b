namespace Archiver.Simulator.Hostile;

/// <summary>
/// One entry of the hostile catalogue (docs/simulator.md, "Hostile content"): content from the agent side that a
/// faithful archive must keep byte for byte and that must neither stop the worker nor reset its connection. The name is
/// the contract: end-to-end tests iterate the catalogue by name.
/// </summary>
public abstract record HostileCase(string Name, string Kind, bool InBand, string Description);

/// <summary>
/// A change the world files in the conversation's open dialog with a sequence it assigns, like <c>/publish</c>:
/// it is in the dialog's ground truth and re-delivered on resubscribe. <see cref="ChangeFields"/> makes fields of the
/// change itself hostile (raw JSON), e.g. <c>serverTimestamp</c>.
/// </summary>
public sealed record InBandChangeCase(string Name, string Description, Func<HostileScene, string> Event, IReadOnlyDictionary<string, string>? ChangeFields = null)
    : HostileCase(Name, "change", true, Description);

/// <summary>A change whose keys are unusable (no dialog of the world could hold it): sent once in a messaging notification, never re-delivered.</summary>
public sealed record OutOfBandChangeCase(string Name, string Description, Func<HostileScene, OutOfBandChange> Change)
    : HostileCase(Name, "change", false, Description);

/// <summary>A copy of the conversation's latest state <c>result</c> with one field made hostile: sent once, never a state version of the world.</summary>
public sealed record StateCase(string Name, string Description, Func<HostileScene, string, string> Patch)
    : HostileCase(Name, "state", false, Description);

/// <summary>A whole frame that is not a usable notification at all.</summary>
public sealed record FrameCase(string Name, string Description, Func<HostileScene, HostileFrame> Frame)
    : HostileCase(Name, "frame", false, Description);

/// <summary>What a case is built from: the conversation, its MAIN dialog, the agent who speaks, and a fresh timestamp.</summary>
public sealed record HostileScene(string ConversationId, string MainDialogId, string ConsumerId, string AgentId, long Timestamp);

/// <summary>An out-of-band change: its exact JSON and the dialog id it names (null when it names none, or not as a string).</summary>
public sealed record OutOfBandChange(string Json, string? DialogId);

/// <summary>A frame's exact payload: text (sent UTF-8 encoded) or bytes, and whether it is a binary frame.</summary>
public sealed record HostileFrame(string? Text, byte[]? Bytes, bool Binary)
{
    public static HostileFrame OfText(string text) => new(text, null, false);

    public byte[] Payload => Bytes ?? System.Text.Encoding.UTF8.GetBytes(Text ?? "");
}
