using Archiver.Domain.Events;
using Archiver.Worker.Store;

namespace Archiver.Worker.Ingestion;

/// <summary>
/// What must be appended together — all of one received change (an observation and what it implies), or one
/// notification's changes, or a refused frame's record — with when it arrived (a <see cref="TimeProvider"/> timestamp)
/// for the notification-to-commit lag, and what to do once it is committed.
/// </summary>
public sealed record ArchiveItem(IReadOnlyList<NewEvent> Events, long ReceivedAt)
{
    /// <summary>Frames nothing of which could be archived as an event: recorded in archive.rejections.</summary>
    public IReadOnlyList<RejectionRecord> FrameRejections { get; init; } = [];

    /// <summary>The consumer it came from (for the fallback when even its mapping fails to append).</summary>
    public string? ConsumerName { get; init; }

    /// <summary>Called once the item is committed (e.g. the conversation tracker's latest state may then be forgotten).</summary>
    public Action? Committed { get; init; }
}
