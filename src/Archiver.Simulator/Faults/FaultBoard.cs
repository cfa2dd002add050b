using System.Collections.Concurrent;

namespace Archiver.Simulator.Faults;

/// <summary>Faults that are not tied to one socket (error statuses owed to the next HTTP or WebSocket requests), and the record of every fault applied.</summary>
public sealed class FaultBoard(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (int Code, int Remaining, FaultRecord? Record)> _owed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FaultRecord?> _staleOwed = new(StringComparer.Ordinal);
    private readonly List<FaultRecord> _records = [];

    /// <summary>
    /// The next <paramref name="count"/> requests to <paramref name="target"/> ("ws", "idp", "csds") answer <paramref name="code"/>;
    /// with <paramref name="consumerId"/> (ws only), the next requests of that consumer's sockets.
    /// </summary>
    public void Owe(string target, int code, int count, FaultRecord? record = null, string? consumerId = null) =>
        _owed[consumerId is null ? target : $"{target}:{consumerId}"] = (code, count, record);

    /// <summary>A reorder fault: the consumer's next conversation subscription also gets an older state after the current one.</summary>
    public void OweStaleState(string consumerId, FaultRecord? record = null) => _staleOwed[consumerId] = record;

    /// <summary>Whether a stale state is owed to the consumer (and no longer), with the fault that owes it.</summary>
    public bool TakeStaleState(string consumerId, out FaultRecord? record) => _staleOwed.TryRemove(consumerId, out record);

    /// <summary>The status owed to this request, if any (and one fewer is owed); a consumer's own debt first.</summary>
    public int? Take(string target, string? consumerId = null) =>
        (consumerId is null ? null : TakeFrom($"{target}:{consumerId}")) ?? TakeFrom(target);

    private int? TakeFrom(string key)
    {
        while (_owed.TryGetValue(key, out var owed) && owed.Remaining > 0)
        {
            if (_owed.TryUpdate(key, (owed.Code, owed.Remaining - 1, owed.Record), owed))
            {
                owed.Record?.Touch();
                return owed.Code;
            }
        }
        return null;
    }

    /// <summary>A new row of the fault record, applied now.</summary>
    public FaultRecord Record(string kind, string? consumerId, long emittedBefore)
    {
        var record = new FaultRecord(kind, consumerId, time.GetUtcNow().ToUnixTimeMilliseconds(), emittedBefore);
        lock (_records)
            _records.Add(record);
        return record;
    }

    public IReadOnlyList<FaultRecord> Records()
    {
        lock (_records)
            return _records.ToList();
    }
}
