using Archiver.Worker.Hosting;

namespace Archiver.Worker.Tests.Hosting;

/// <summary>When the worker gives memory back: only in a quiet period, and only when a burst left garbage since the last time.</summary>
public sealed class IdleMemoryTrimmerTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(0, 500, true)]            // quiet after a burst of 500 MiB: trim
    [InlineData(16, 128, true)]           // both limits are inclusive
    [InlineData(17, 500, false)]          // events still flowing: never pause the writer
    [InlineData(300, 300, false)]         // the burst itself
    [InlineData(0, 127, false)]           // quiet, but too little since the last trim to be worth a pause
    [InlineData(0, 0, false)]             // quiet and already trimmed: once per burst
    public void Trims_only_when_quiet_after_enough_allocation(long periodMiB, long sinceTrimMiB, bool expected) =>
        Assert.Equal(expected, IdleMemoryTrimmer.ShouldTrim(periodMiB * MiB, sinceTrimMiB * MiB));
}
