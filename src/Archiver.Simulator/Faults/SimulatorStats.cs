using System.Collections.Concurrent;

namespace Archiver.Simulator.Faults;

/// <summary>
/// Counters for <c>GET /control/stats</c>. Beside the fault switches, which count every fault they play here: the sockets,
/// the IDP and the control API all count, so the counters sit below them all.
/// </summary>
public sealed class SimulatorStats
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);

    public void Count(string name, long by = 1) => _counters.AddOrUpdate(name, by, (_, v) => v + by);

    public long Get(string name) => _counters.GetValueOrDefault(name);

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counters, StringComparer.Ordinal);
}
