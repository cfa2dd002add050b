using Microsoft.Extensions.Time.Testing;

namespace Archiver.Worker.Tests.Harness;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that says when code under test starts waiting on it (creates a timer), so a test
/// moves the clock only once the wait exists — never racing the code it drives.
/// </summary>
public sealed class TimerSignallingTimeProvider : FakeTimeProvider
{
    public SemaphoreSlim TimerCreated { get; } = new(0);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        TimerCreated.Release();
        return timer;
    }
}
