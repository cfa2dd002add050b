namespace Archiver.Testing;

/// <summary>Polls a condition until it holds or a deadline passes (then fails with the last explanation).</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<(bool Holds, string Explanation)>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var explanation = "";
        while (DateTime.UtcNow < deadline)
        {
            bool holds;
            (holds, explanation) = await condition();
            if (holds)
                return;
            await Task.Delay(250);
        }
        throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:F0} s: {explanation}");
    }
}
