using Archiver.Worker.Sessions;
using Archiver.Worker.Sessions.Ums;
using Archiver.Worker.Tests.Harness;
using Microsoft.Extensions.Time.Testing;

namespace Archiver.Worker.Tests.Sessions;

/// <summary>The reconnect policy on a clock the test moves: each attempt happens exactly when its delay has passed, not before.</summary>
public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Failures_are_retried_after_exponential_delays_with_jitter_up_to_the_longest()
    {
        var time = new TimerSignallingTimeProvider();
        var expected = new ReconnectBackoff(First, Longest, time, new Random(7)); // the same jitter, to know each delay exactly
        var failures = Enumerable.Repeat<Exception>(new UmsClosedException(1006, null), 8).ToList();
        var delays = failures.Select(expected.Next).ToList();

        var attempts = await RunAsync(time, new ReconnectBackoff(First, Longest, time, new Random(7)), failures, delays);

        Assert.Equal(9, attempts);
        // Between half and all of 0.5, 1, 2, 4, 8, 16, 30, 30 s.
        var nominal = new[] { 0.5, 1, 2, 4, 8, 16, 30, 30 };
        Assert.All(delays.Zip(nominal), d => Assert.InRange(d.First.TotalSeconds, d.Second / 2, d.Second));
    }

    [Fact]
    public async Task A_4401_or_4407_close_is_answered_at_once_and_a_429_waits_at_least_a_second()
    {
        var time = new TimerSignallingTimeProvider();
        var failures = new List<Exception> { new UmsClosedException(4401, null), new UmsClosedException(4407, null), Throttled() };
        var expected = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), Longest, time, new Random(3));
        var delays = failures.Select(expected.Next).ToList();

        await RunAsync(time, new ReconnectBackoff(TimeSpan.FromMilliseconds(100), Longest, time, new Random(3)), failures, delays);

        Assert.InRange(delays[0].TotalMilliseconds, 50, 100);
        Assert.InRange(delays[1].TotalMilliseconds, 50, 100);
        Assert.InRange(delays[2].TotalSeconds, 0.5, 1); // a second, with jitter of at most half
        Assert.True(delays[2] >= TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void A_connection_that_lasted_starts_the_backoff_again()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), Longest, new FakeTimeProvider(), new Random(1));
        for (var i = 0; i < 5; i++)
            backoff.Next(new UmsClosedException(1006, null));
        Assert.True(backoff.Next(new UmsClosedException(1006, null)) >= TimeSpan.FromSeconds(15)); // 32 s capped at 30, jittered

        backoff.ConnectionLasted(ReconnectBackoff.HealthyAfter - TimeSpan.FromSeconds(1));
        Assert.True(backoff.Next(new UmsClosedException(1006, null)) >= TimeSpan.FromSeconds(15));
        backoff.ConnectionLasted(ReconnectBackoff.HealthyAfter);
        Assert.True(backoff.Next(new UmsClosedException(1006, null)) <= TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Runs the pipeline over an operation that fails with <paramref name="failures"/> in turn and then succeeds. Before each
    /// retry the clock is moved to one tick short of its delay (no attempt may happen) and then onto it (the attempt must).
    /// </summary>
    private static async Task<int> RunAsync(TimerSignallingTimeProvider time, ReconnectBackoff backoff, List<Exception> failures, List<TimeSpan> delays)
    {
        var attempts = 0;
        var attempted = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        var run = backoff.Pipeline((_, _) => { }, stop.Token).ExecuteAsync(_ =>
        {
            var attempt = Interlocked.Increment(ref attempts);
            attempted.Release();
            return attempt <= failures.Count ? ValueTask.FromException(failures[attempt - 1]) : ValueTask.CompletedTask;
        }, stop.Token).AsTask();

        Assert.True(await attempted.WaitAsync(TimeSpan.FromSeconds(10)), "the first attempt did not happen");
        for (var i = 0; i < failures.Count; i++)
        {
            Assert.True(await time.TimerCreated.WaitAsync(TimeSpan.FromSeconds(10)), $"no wait was started after attempt {i + 1}");
            time.Advance(delays[i] - TimeSpan.FromTicks(1));
            Assert.False(attempted.Wait(0), $"attempt {i + 2} happened before its delay of {delays[i]}");
            time.Advance(TimeSpan.FromTicks(1));
            Assert.True(await attempted.WaitAsync(TimeSpan.FromSeconds(10)), $"attempt {i + 2} did not happen after its delay of {delays[i]}");
        }
        await run;
        return attempts;
    }

    private static UmsRequestFailedException Throttled() =>
        new("ms.SubscribeMessagingEvents", new Archiver.Domain.Protocol.ResponseFrame("1", 429, null, null));
}
