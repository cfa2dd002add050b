namespace Archiver.Simulator.World;

/// <summary>
/// Simulated time for a conversation played "at" a past moment (the year scenario). Inside
/// <see cref="SimulatorWorld.At"/> the world stamps everything it emits from this clock instead of the real one, so
/// a conversation can start months ago and last an hour while taking a millisecond to play. Like the real clock it
/// never repeats a value, so each state version still has a strictly later <c>metaDataLastUpdateTs</c>.
/// </summary>
/// <remarks>Not thread-safe: one script drives it, and the world reads it under its lock.</remarks>
public sealed class SimulatedClock(long startMs)
{
    private long _current = startMs;
    private long _last = startMs - 1;

    /// <summary>The simulated now, in Unix milliseconds (never earlier than a timestamp already handed out).</summary>
    public long NowMs => Math.Max(_current, _last);

    /// <summary>Lets simulated time pass between two steps of a script.</summary>
    public void Advance(TimeSpan by) => _current = NowMs + (long)by.TotalMilliseconds;

    /// <summary>The next timestamp: the simulated now, or 1 ms after the previous one if it was handed out already.</summary>
    internal long Next()
    {
        _last = Math.Max(_current, _last + 1);
        return _last;
    }
}
