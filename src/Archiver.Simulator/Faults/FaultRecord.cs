namespace Archiver.Simulator.Faults;

/// <summary>
/// One row of <c>GET /control/faults</c>: a fault request as it hit one socket (or, for owed statuses, one target), when,
/// how much the world had emitted for that consumer by then, and how many frames it has touched on the wire since — so a
/// test can prove a fault struck mid-scenario and did something, instead of sleeping and hoping.
/// </summary>
public sealed class FaultRecord(string kind, string? consumerId, long appliedAtMs, long emittedBefore)
{
    private long _wireEffect;
    private int _touchedOnce;

    public string Kind => kind;

    /// <summary>null for statuses owed to a target rather than to one consumer (idp, csds, or ws for whoever asks next).</summary>
    public string? ConsumerId => consumerId;

    public long AppliedAtMs => appliedAtMs;

    public long EmittedBefore => emittedBefore;

    /// <summary>Frames duplicated, reordered, delayed or sent malformed/oversized, connections dropped, close frames sent, error statuses answered, silent periods that held something back.</summary>
    public long WireEffect => Interlocked.Read(ref _wireEffect);

    public void Touch(long frames = 1)
    {
        if (frames > 0)
            Interlocked.Add(ref _wireEffect, frames);
    }

    /// <summary>Counts once however often it is called (a silent period is one effect).</summary>
    public void TouchOnce()
    {
        if (Interlocked.Exchange(ref _touchedOnce, 1) == 0)
            Touch();
    }
}
