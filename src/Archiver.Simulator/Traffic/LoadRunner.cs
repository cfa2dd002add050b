using System.Diagnostics;
using Archiver.Simulator.World;

namespace Archiver.Simulator.Traffic;

/// <summary>
/// Load mode for benchmarks: N consumers × M conversations × K messages, sides alternating, at a total rate or as fast
/// as possible. Unlike the scenario, a consumer may have several conversations open at once here. Each conversation is
/// closed after its last message, unless <c>leaveOpen</c> (the fleet benchmark: a worker holding many open conversations).
/// </summary>
public sealed class LoadRunner(SimulatorWorld world)
{
    public async Task<(long Changes, double ElapsedMs)> RunAsync(IReadOnlyList<string> consumerIds, int conversationsPerConsumer, int messagesPerConversation,
        double ratePerSecond, CancellationToken cancellationToken, bool leaveOpen = false)
    {
        var clock = Stopwatch.StartNew();
        long emitted = 0;
        var conversations = consumerIds.SelectMany(c => Enumerable.Range(0, conversationsPerConsumer).Select(_ => c)).ToList();
        var perTask = Math.Max(1, conversations.Count / Math.Max(1, Environment.ProcessorCount));
        await Task.WhenAll(conversations.Chunk(perTask).Select(chunk => Task.Run(async () =>
        {
            foreach (var consumer in chunk)
            {
                var id = world.RequestConversation(consumer, null, allowSeveralOpen: true);
                world.Accept(id, "Load Agent");
                var agent = world.AgentId("Load Agent");
                for (var m = 0; m < messagesPerConversation; m++)
                {
                    if (ratePerSecond > 0)
                    {
                        // Paced: message n of the whole run is due at n / rate seconds.
                        var due = TimeSpan.FromSeconds(Interlocked.Increment(ref emitted) / ratePerSecond);
                        var wait = due - clock.Elapsed;
                        if (wait > TimeSpan.FromMilliseconds(1))
                            await Task.Delay(wait, cancellationToken);
                    }
                    else
                    {
                        Interlocked.Increment(ref emitted);
                    }
                    var consumerSide = m % 2 == 0;
                    world.Publish(id, null, consumerSide ? consumer : agent, consumerSide ? "CONSUMER" : "ASSIGNED_AGENT",
                        $$"""{"type":"ContentEvent","contentType":"text/plain","message":"load message {{m}} of {{id}}"}""", null);
                }
                if (!leaveOpen)
                    world.CloseStage(id, "AGENT");
            }
        }, cancellationToken)));
        return (Interlocked.Read(ref emitted), clock.Elapsed.TotalMilliseconds);
    }
}
