using Archiver.Domain.Events;
using Archiver.Domain.Protocol;

namespace Archiver.Worker.Store;

/// <summary>
/// What the projections had to sanitise or leave out, event by event, while applying a batch (or a rebuild's page):
/// recorded in archive.rejections in the same transaction. Not thread-safe: one per batch or page.
/// </summary>
public sealed class ProjectionIssues
{
    private readonly List<(RecordedEvent Event, ArchiveIssue Issue)> _items = [];
    private readonly List<ArchiveIssue> _scratch = [];

    public IReadOnlyList<(RecordedEvent Event, ArchiveIssue Issue)> Items => _items;

    public void Add(RecordedEvent e, ArchiveIssue issue) => _items.Add((e, issue));

    /// <summary>Runs a pure fold over one event and keeps the issues it reports against that event.</summary>
    public T Fold<T>(RecordedEvent e, Func<RecordedEvent, List<ArchiveIssue>, T> fold)
    {
        _scratch.Clear();
        var result = fold(e, _scratch);
        foreach (var issue in _scratch)
            _items.Add((e, issue));
        return result;
    }

    public void AddRange(ProjectionIssues other) => _items.AddRange(other._items);

    public IEnumerable<RejectionRecord> ToRecords() => _items.Select(i => new RejectionRecord(
        RejectionStage.Projection, i.Issue, ConsumerName: null, i.Event.StreamId, i.Event.Position, i.Event.GlobalPosition));
}
