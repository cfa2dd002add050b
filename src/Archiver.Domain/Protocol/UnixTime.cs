namespace Archiver.Domain.Protocol;

/// <summary>LivePerson's timestamps (milliseconds since the epoch) as times, when they are times at all.</summary>
public static class UnixTime
{
    // The range both .NET (years 1–9999) and PostgreSQL's timestamptz hold, a day inside each end so that no time zone
    // or conversion edge (Npgsql maps DateTime.MinValue/MaxValue to ±infinity) can be reached.
    private static readonly long Min = new DateTimeOffset(1, 1, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly long Max = new DateTimeOffset(9999, 12, 30, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static bool IsInRange(long milliseconds) => milliseconds >= Min && milliseconds <= Max;

    /// <summary>The time, or null when absent or outside the range every reader can hold (9999999999999999 is not a time).</summary>
    public static DateTimeOffset? FromMilliseconds(long? milliseconds) =>
        milliseconds is { } ms && IsInRange(ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
