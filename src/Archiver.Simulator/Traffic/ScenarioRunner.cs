using Archiver.Simulator.Ums;
using Archiver.Simulator.World;

namespace Archiver.Simulator.Traffic;

/// <summary>Plays scripted conversations: per consumer one after another (one open conversation each), consumers in parallel.</summary>
public sealed class ScenarioRunner(SimulatorWorld world, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime)
{
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

    /// <summary>The demo mode: a consumer's first subscribed socket starts its scripted conversations.</summary>
    public void ConsumerSubscribed(ConsumerSocket socket)
    {
        if (world.Settings.Scenario != "demo")
            return;
        lock (world.Gate)
        {
            if (socket.Consumer.ScenarioStarted)
                return;
            socket.Consumer.ScenarioStarted = true;
        }
        _ = Task.Run(() => RunAsync([socket.Consumer.Id], world.Settings.ScenarioConversations, TimeSpan.FromMilliseconds(world.Settings.PaceMs),
            lifetime.ApplicationStopping));
    }
}
