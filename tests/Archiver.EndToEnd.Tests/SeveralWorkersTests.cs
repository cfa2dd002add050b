using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;
using Npgsql;

namespace Archiver.EndToEnd.Tests;

/// <summary>
/// Issue 6: three worker processes share 30 consumer identities through the database. One is killed with SIGKILL,
/// another joins, a third has its database connections killed — at every moment no identity is held twice (the
/// simulator never sees two sockets of one consumer), every identity is held again within the bound, and the archive
/// equals the ground truth at the end.
/// </summary>
public sealed class SeveralWorkersTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Three_workers_share_thirty_consumers_through_kills_and_joins()
    {
        await using var run = await EndToEndRun.StartAsync(30, new SimulatorSettings { Seed = 30 }, modes: ["Signup", "Unauthenticated"]);
        var workers = Enumerable.Range(1, 3).Select(i => run.StartWorker(e => Name(e, run, $"worker-{i}"))).ToList();
        await run.ConsumersConnectedAsync(TimeSpan.FromSeconds(60));

        using var watch = new CancellationTokenSource();
        var violations = new List<string>();
        var watcher = WatchAsync(run, violations, watch.Token);
        var scenario = run.PostAsync("/control/scenario", new { conversationsPerConsumer = 2, paceMs = 200 });

        await Task.Delay(1500);
        await workers[0].KillAsync();                                   // SIGKILL: its leases lapse and are taken over
        await AllHeldAsync(run, "after a SIGKILL");
        workers.Add(run.StartWorker(e => Name(e, run, "worker-4")));    // a join: the others give some back
        await EventuallyAsync(async () => (await HoldersAsync(run)).Count(h => h.Key == "worker-4") == 1 && (await HoldersAsync(run))["worker-4"] >= 5,
            "worker-4 receiving a share");
        await AllHeldAsync(run, "after a join");
        await KillConnectionsAsync(run, "worker-2");                     // its pooled connections die under it
        await Task.Delay(1000);
        await AllHeldAsync(run, "after killing a worker's database connections");

        await scenario;
        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(2));
        await watch.CancelAsync();
        await watcher;
        Assert.True(violations.Count == 0, string.Join(" | ", violations.Take(10)));
        Assert.Equal(0, await ArchiveComparison.CountAsync(run.Archive, "SELECT count(*) FROM archive.conflicts"));
        foreach (var worker in workers.Skip(1))
            Assert.Equal(0, await worker.StopAsync(TimeSpan.FromSeconds(40)));
    }

    private static void Name(Dictionary<string, string?> environment, EndToEndRun run, string worker)
    {
        environment["Coordination__WorkerId"] = worker;
        environment["ConnectionStrings__Archive"] = new NpgsqlConnectionStringBuilder(run.ConnectionString) { ApplicationName = worker }.ConnectionString;
        environment["Logging__LogLevel__Default"] = "Information";
    }

    /// <summary>Samples the simulator's sockets: a consumer with two at once is held twice.</summary>
    private static async Task WatchAsync(EndToEndRun run, List<string> violations, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var consumers = (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers", cancellationToken))!;
                violations.AddRange(consumers.Where(c => c!["connections"]!.GetValue<int>() > 1)
                    .Select(c => $"{DateTime.UtcNow:HH:mm:ss.fff} {c!["consumerId"]} has {c["connections"]} sockets"));
                // No worker holds a transaction open while idle (Marten's daemon did; leases here are autocommit).
                await using var idle = run.Archive.CreateCommand(
                    """
                    SELECT count(*) FROM pg_stat_activity
                    WHERE application_name LIKE 'worker-%' AND state LIKE 'idle in transaction%' AND now() - state_change > interval '5 seconds'
                    """);
                if ((long)(await idle.ExecuteScalarAsync(cancellationToken))! > 0)
                    violations.Add($"{DateTime.UtcNow:HH:mm:ss.fff} a worker session sat idle in a transaction for over 5 s");
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Every one of the 30 consumers is connected again within the bound, each by one worker.</summary>
    private static Task AllHeldAsync(EndToEndRun run, string when) => EventuallyAsync(async () =>
    {
        var consumers = (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers"))!;
        var connected = consumers.Count(c => c!["connections"]!.GetValue<int>() == 1);
        var leased = (await HoldersAsync(run)).Values.Sum();
        return connected >= 30 && leased == 30;
    }, $"every identity held again {when}");

    private static async Task<Dictionary<string, int>> HoldersAsync(EndToEndRun run)
    {
        var holders = new Dictionary<string, int>();
        await using var command = run.Archive.CreateCommand(
            "SELECT worker_id, count(*) FROM archive.consumer_leases WHERE worker_id IS NOT NULL AND expires_at > now() GROUP BY worker_id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            holders[reader.GetString(0)] = (int)reader.GetInt64(1);
        return holders;
    }

    private static async Task KillConnectionsAsync(EndToEndRun run, string worker)
    {
        await using var command = run.Archive.CreateCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1");
        command.Parameters.AddWithValue(worker);
        Assert.True((long)(await command.ExecuteScalarAsync())! > 0, $"{worker} had no connections to kill");
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what) =>
        await Eventually.HoldsAsync(async () => (await condition(), what), Bound, what);
}
