using Archiver.Domain.Protocol;

namespace Archiver.Worker.Store;

/// <summary>Where a rejection was found: a whole frame, the mapping of a change, or its projection.</summary>
public enum RejectionStage
{
    Frame,
    Mapping,
    Projection,
}

/// <summary>
/// A row of archive.rejections (migrations/0008_rejections.sql): a change archived but not mapped or projected exactly
/// as received, or a frame nothing of which could be archived as an event.
/// </summary>
public sealed record RejectionRecord(
    RejectionStage Stage,
    ArchiveIssue Issue,
    string? ConsumerName,
    string? StreamId = null,
    long? Position = null,
    long? GlobalPosition = null,
    byte[]? Raw = null,
    long? RawSize = null,
    byte[]? RawSha256 = null)
{
    /// <summary>A frame that could not be archived as an event: its bytes (the first <see cref="FrameRejection.KeptBytes"/>), size and hash.</summary>
    public static RejectionRecord ForFrame(string consumerName, ArchiveIssue issue, ReadOnlySpan<byte> kept, long size, byte[] sha256) =>
        new(RejectionStage.Frame, issue, consumerName, Raw: kept[..Math.Min(kept.Length, FrameRejection.KeptBytes)].ToArray(), RawSize: size, RawSha256: sha256);

    public string StageName => Stage switch
    {
        RejectionStage.Frame => "frame",
        RejectionStage.Mapping => "mapping",
        _ => "projection",
    };
}
