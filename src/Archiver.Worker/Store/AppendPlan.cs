using Archiver.Domain.Events;
using Archiver.Domain.Hashing;

namespace Archiver.Worker.Store;

/// <summary>The state of a locked stream at the start of an append.</summary>
internal sealed record StreamHead(string StreamId, long MaxPosition, long EventCount, byte[] HeadHash);

/// <summary>An event already stored under a key that an incoming event also claims.</summary>
internal sealed record StoredOccupant(string StreamId, long Position, string? DedupeKey, long GlobalPosition, string Body);

/// <summary>
/// Decides, for one batch and with its streams locked, which events are new (and at which position), which are
/// duplicates and which conflict. Pure: the SQL around it supplies the heads and the stored occupants.
/// </summary>
internal sealed class AppendPlan
{
    private readonly List<PlannedEvent> _planned;

    private AppendPlan(List<PlannedEvent> planned, List<int> newEvents)
    {
        _planned = planned;
        NewEvents = newEvents;
    }

    /// <summary>Indexes (into the batch) of the events to write, in batch order.</summary>
    public IReadOnlyList<int> NewEvents { get; }

    public IReadOnlyList<PlannedEvent> Events => _planned;

    /// <summary>Positions at or below a stream's head may already be taken: these keys need a lookup.</summary>
    public static (List<(string Stream, long Position)> Positions, List<(string Stream, string Key)> DedupeKeys) KeysToLookUp(
        IReadOnlyList<NewEvent> batch, IReadOnlyDictionary<string, StreamHead> heads)
    {
        var positions = new List<(string, long)>();
        var keys = new List<(string, string)>();
        foreach (var e in batch)
        {
            var head = heads[e.StreamId];
            if (e.Position is { } position)
            {
                if (position <= head.MaxPosition)
                    positions.Add((e.StreamId, position));
            }
            else if (e.DedupeKey is { } key && head.EventCount > 0)
            {
                keys.Add((e.StreamId, key));
            }
        }
        return (positions, keys);
    }

    public static AppendPlan Create(
        IReadOnlyList<NewEvent> batch,
        IReadOnlyDictionary<string, StreamHead> heads,
        IEnumerable<StoredOccupant> occupants)
    {
        var byPosition = new Dictionary<(string, long), Occupant>();
        var byKey = new Dictionary<(string, string), Occupant>();
        foreach (var o in occupants)
        {
            var occupant = new Occupant(o.Body, o.GlobalPosition, BatchIndex: -1, o.Position);
            byPosition[(o.StreamId, o.Position)] = occupant;
            if (o.DedupeKey is not null)
                byKey[(o.StreamId, o.DedupeKey)] = occupant;
        }

        var nextPosition = heads.Values.ToDictionary(h => h.StreamId, h => h.MaxPosition + 1, StringComparer.Ordinal);
        var planned = new List<PlannedEvent>(batch.Count);
        var newEvents = new List<int>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var e = batch[i];
            Occupant? occupant;
            if (e.Position is { } position)
            {
                if (byPosition.TryGetValue((e.StreamId, position), out occupant))
                {
                    var same = JsonContent.AreEquivalent(occupant.Body, e.Body);
                    planned.Add(new PlannedEvent(same ? AppendStatus.Duplicate : AppendStatus.Conflict, position, occupant));
                    continue;
                }
                nextPosition[e.StreamId] = Math.Max(nextPosition[e.StreamId], position + 1);
            }
            else
            {
                if (e.DedupeKey is { } key && byKey.TryGetValue((e.StreamId, key), out occupant))
                {
                    planned.Add(new PlannedEvent(AppendStatus.Duplicate, occupant.Position, occupant));
                    continue;
                }
                position = nextPosition[e.StreamId]++;
            }

            occupant = new Occupant(e.Body, GlobalPosition: 0, BatchIndex: i, position);
            byPosition[(e.StreamId, position)] = occupant;
            if (e.Position is null && e.DedupeKey is { } newKey)
                byKey[(e.StreamId, newKey)] = occupant;
            planned.Add(new PlannedEvent(AppendStatus.Appended, position, occupant));
            newEvents.Add(i);
        }
        return new AppendPlan(planned, newEvents);
    }

    /// <summary>The stored or to-be-stored event holding a key. <see cref="BatchIndex"/> ≥ 0 when it is in this batch.</summary>
    internal sealed record Occupant(string Body, long GlobalPosition, int BatchIndex, long Position);

    internal sealed record PlannedEvent(AppendStatus Status, long Position, Occupant Holder);
}
