using System.Collections.Concurrent;

namespace Archiver.Worker.Observability;

/// <summary>Which supervised background services are down right now, and why: readiness reports them.</summary>
public sealed class ServiceHealth
{
    private readonly ConcurrentDictionary<string, string> _down = new(StringComparer.Ordinal);

    public void Up(string service) => _down.TryRemove(service, out _);

    public void Down(string service, string reason) => _down[service] = reason;

    public IReadOnlyDictionary<string, string> Down() => new SortedDictionary<string, string>(_down, StringComparer.Ordinal);
}
