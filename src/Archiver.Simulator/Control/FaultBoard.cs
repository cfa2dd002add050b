using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Archiver.Simulator.Control;

/// <summary>Faults that are not tied to one socket: error statuses owed to the next HTTP or WebSocket requests.</summary>
public sealed class FaultBoard
{
    private readonly ConcurrentDictionary<string, (int Code, int Remaining)> _owed = new(StringComparer.Ordinal);

    /// <summary>The next <paramref name="count"/> requests to <paramref name="target"/> ("ws", "idp", "csds") answer <paramref name="code"/>.</summary>
    public void Owe(string target, int code, int count) => _owed[target] = (code, count);

    private readonly ConcurrentDictionary<string, bool> _staleOwed = new(StringComparer.Ordinal);

    /// <summary>A reorder fault: the consumer's next conversation subscription also gets an older state after the current one.</summary>
    public void OweStaleState(string consumerId) => _staleOwed[consumerId] = true;

    public bool TakeStaleState(string consumerId) => _staleOwed.TryRemove(consumerId, out _);

    /// <summary>The status owed to this request, if any (and one fewer is owed).</summary>
    public int? Take(string target)
    {
        while (_owed.TryGetValue(target, out var owed) && owed.Remaining > 0)
        {
            if (_owed.TryUpdate(target, (owed.Code, owed.Remaining - 1), owed))
                return owed.Code;
        }
        return null;
    }
}

/// <summary>Marks an endpoint group with the fault target its requests draw owed statuses from.</summary>
public sealed record FaultTarget(string Name);

/// <summary>Answers an owed 429/500 instead of running the endpoint.</summary>
public sealed class HttpFaultFilter(FaultBoard board, SimulatorStats stats) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var target = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<FaultTarget>()?.Name;
        if (target is not null && board.Take(target) is { } code)
        {
            stats.Count($"fault.status.{target}.{code}");
            return Results.Text(code == 429 ? "Too Many Requests" : "Internal Server Error", statusCode: code);
        }
        return await next(context);
    }
}

/// <summary>Counters for <c>GET /control/stats</c>.</summary>
public sealed class SimulatorStats
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);

    public void Count(string name, long by = 1) => _counters.AddOrUpdate(name, by, (_, v) => v + by);

    public long Get(string name) => _counters.GetValueOrDefault(name);

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counters, StringComparer.Ordinal);
}
