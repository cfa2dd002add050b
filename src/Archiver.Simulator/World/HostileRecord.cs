namespace Archiver.Simulator.World;

/// <summary>
/// One entry of the ground truth's <c>hostile</c> array: a case (<see cref="Case"/>) or a raw frame (<see cref="Raw"/>),
/// with the exact text (or, for binary or caller-supplied bytes, base64) that went out.
/// </summary>
public sealed record HostileRecord(string? Case, bool Raw, string Kind, string ConsumerId, string? ConversationId, string? DialogId, long? Sequence,
    bool InBand, string? Text, string? Base64, int Sockets);
