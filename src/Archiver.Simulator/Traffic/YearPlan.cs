namespace Archiver.Simulator.Traffic;

/// <summary>
/// When the year scenario's conversations happen: conversation i of n starts at now − 365 days + i × (365 days / n) plus a
/// few hours, and its steps are minutes apart. The offset is capped at a quarter of the slot and each step at a
/// <see cref="MaxSteps"/>th of half the slot, so however large n is, every conversation ends inside its own slot —
/// in order, and in the past.
/// </summary>
/// <param name="NowMs">The real now when the run started (Unix ms): everything lies before it.</param>
internal sealed record YearPlan(long NowMs, int Conversations)
{
    /// <summary>More would leave slots of under five minutes: conversations of a few seconds, not minutes.</summary>
    public const int MaxConversations = 100_000;

    /// <summary>A bound on the steps of one conversation's script (it takes about 17 at most).</summary>
    public const int MaxSteps = 24;

    public static readonly TimeSpan Length = TimeSpan.FromDays(365);

    private static readonly long OneHour = (long)TimeSpan.FromHours(1).TotalMilliseconds;

    private double SlotMs => Length.TotalMilliseconds / Conversations;

    public long StartMs(int index, Random random)
    {
        var offset = Math.Min(random.NextInt64(OneHour, 5 * OneHour), (long)(SlotMs / 4));
        return NowMs - (long)Length.TotalMilliseconds + (long)(index * SlotMs) + offset;
    }

    /// <summary>Half a minute to six minutes between two steps (less when the slots are short).</summary>
    public TimeSpan Step(Random random) => TimeSpan.FromMilliseconds(Math.Min(random.Next(30_000, 360_001), SlotMs / 2 / MaxSteps));
}
