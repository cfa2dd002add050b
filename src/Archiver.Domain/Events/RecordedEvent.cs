namespace Archiver.Domain.Events;

/// <summary>An event as the store holds it.</summary>
public sealed record RecordedEvent(
    long GlobalPosition,
    string StreamId,
    long Position,
    string Type,
    string Body,
    DateTimeOffset? ServerTimestamp,
    DateTimeOffset RecordedAt,
    string? DedupeKey,
    ReadOnlyMemory<byte> PrevHash,
    ReadOnlyMemory<byte> Hash);
