using Archiver.Domain.Events;

namespace Archiver.Worker.Ingestion;

/// <summary>
/// Events that must be appended together (all of one received change: an observation and what it implies), with when
/// the notification arrived (a <see cref="TimeProvider"/> timestamp) for the notification-to-commit lag.
/// </summary>
public sealed record ArchiveItem(IReadOnlyList<NewEvent> Events, long ReceivedAt);
