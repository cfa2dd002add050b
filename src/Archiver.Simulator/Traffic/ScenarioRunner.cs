using Archiver.Simulator.World;

namespace Archiver.Simulator.Traffic;

/// <summary>
/// Plays scripted conversations. The demo: per consumer one after another (one open conversation each), consumers in
/// parallel, paced in real time. The year: past conversations spread over the last 365 days, played at once.
/// </summary>
public sealed class ScenarioRunner(SimulatorWorld world, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime)
{
    /// <summary>Conversations per consumer when <c>--scenario-conversations</c> is not given.</summary>
    public const int DemoConversations = 3;

    /// <summary>The year's conversations when no number is given (per consumer on the command line, in all through the control API).</summary>
    public const int YearConversations = 50;

    private int _next;

    public async Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<string> consumerIds, int conversationsPerConsumer, TimeSpan pace, CancellationToken cancellationToken)
    {
        var perConsumer = await Task.WhenAll(consumerIds.Select(async consumer =>
        {
            var ids = new List<string>();
            for (var i = 0; i < conversationsPerConsumer; i++)
            {
                var index = Interlocked.Increment(ref _next);
                await ScriptedConversation.RunAsync(world, consumer, index, world.Settings.Seed, pace, cancellationToken);
                ids.Add(world.Conversations(consumer)[^1].Id);
            }
            return ids;
        }));
        return perConsumer.SelectMany(ids => ids).ToList();
    }

    /// <summary>
    /// A simulated year: <paramref name="conversations"/> in all, conversation i for consumer i mod k, each closed before
    /// the next is played. One after another on one thread, so ids and quirks replay with the seed; it takes
    /// milliseconds, nothing waits for real time.
    /// </summary>
    public async Task<YearRun> RunYearAsync(IReadOnlyList<string> consumerIds, int conversations, CancellationToken cancellationToken)
    {
        if (consumerIds.Count == 0)
            throw new WorldException(400, "No consumers: connect some, or name them in consumers");
        if (conversations is < 1 or > YearPlan.MaxConversations)
            throw new WorldException(400, $"conversations must be 1 to {YearPlan.MaxConversations}");
        if (consumerIds.FirstOrDefault(c => world.FindConsumer(c) is null) is { } unknown)
            throw new WorldException(404, $"Unknown consumer {unknown}");
        var plan = new YearPlan(world.UtcNow.ToUnixTimeMilliseconds(), conversations);
        var ids = await Task.Run(() =>
        {
            var played = new List<string>(conversations);
            for (var i = 0; i < conversations; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                played.Add(YearConversation.Play(world, consumerIds[i % consumerIds.Count], plan, i, world.Settings.Seed));
            }
            return played;
        }, cancellationToken);
        return new YearRun(plan.NowMs, ids);
    }

    /// <summary>Command-line scenarios: a consumer's first subscribed socket starts its conversations (a year is per consumer there).</summary>
    public void ConsumerSubscribed(SimConsumer consumer)
    {
        if (world.Settings.Scenario is not ("demo" or "year"))
            return;
        lock (world.Gate)
        {
            if (consumer.ScenarioStarted)
                return;
            consumer.ScenarioStarted = true;
        }
        var stopping = lifetime.ApplicationStopping;
        if (world.Settings.Scenario == "year")
            _ = Task.Run(() => RunYearAsync([consumer.Id], world.Settings.ScenarioConversations ?? YearConversations, stopping));
        else
            _ = Task.Run(() => RunAsync([consumer.Id], world.Settings.ScenarioConversations ?? DemoConversations, TimeSpan.FromMilliseconds(world.Settings.PaceMs),
                stopping));
    }
}

/// <summary>A played year: the real now it counted back from (Unix ms) and its conversations, by index.</summary>
public sealed record YearRun(long NowMs, IReadOnlyList<string> Conversations);
