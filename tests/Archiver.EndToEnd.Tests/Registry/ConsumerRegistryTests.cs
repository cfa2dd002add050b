using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Simulator.Identity;
using Archiver.Testing;
using Npgsql;

namespace Archiver.EndToEnd.Tests.Registry;

/// <summary>
/// Issue 16: consumers kept in the registry (archive.consumer_registry) reach running workers — real worker processes,
/// each a login that is only a member of archiver_writer — within seconds, are shared through the leases, and a removal
/// ends the session cleanly and keeps the archive. Every change is made by the CLI with the owner's login.
/// </summary>
public sealed class ConsumerRegistryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>The promise: from the change committed to the session connected.</summary>
    private static readonly TimeSpan PickUp = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_addition_reaches_a_running_worker_within_five_seconds_and_its_conversations_are_archived()
    {
        // One configured consumer beside the registry's: they coexist.
        await using var run = await EndToEndRun.StartAsync(1, new SimulatorSettings { Seed = 16 }, modes: ["Signup"]);
        var worker = run.StartWorker(e => e["Logging__LogLevel__Default"] = "Information");
        await run.ConsumersConnectedAsync();

        var added = await run.OwnerCliAsync("consumers", "add", "customer-16", "--flow", "Authenticated", "--external-id", "ext-16");
        Assert.True(added.ExitCode == 0, added.StandardError);
        Assert.Contains("consumer customer-16 added", added.StandardOutput, StringComparison.Ordinal);
        var changedAt = await AddedAtAsync(run, "customer-16");

        // Measured from the change (the row's time, the database's clock on this machine) to the session's connect.
        var consumerId = TokenService.AuthenticatedConsumerId(EndToEndRun.Issuer, "ext-16");
        var connectedAt = await WhenAsync(run, async () => (await ConsumerAsync(run, consumerId)) is { } c && Connected(c), Bound);
        output.WriteLine($"connected {(connectedAt - changedAt).TotalMilliseconds:F0} ms after the change");
        Assert.True(connectedAt - changedAt <= PickUp,
            $"connected {(connectedAt - changedAt).TotalSeconds:F2} s after the change (promised: {PickUp.TotalSeconds:F0} s); {run.Tail()}");

        // Its conversations are archived: the whole ground truth, which is that consumer's.
        await run.PostAsync("/control/scenario", new { conversationsPerConsumer = 2, consumers = new[] { consumerId }, paceMs = 0 });
        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(2));
        Assert.True((await run.GroundTruthAsync()).MessagingEvents > 0);

        // A registry consumer named like a configured one is reported, never held twice.
        var duplicate = await run.OwnerCliAsync("consumers", "add", "consumer-0", "--flow", "Unauthenticated", "--connector-id", "connector-1");
        Assert.True(duplicate.ExitCode == 0, duplicate.StandardError);
        await Eventually.HoldsAsync(() => Task.FromResult((worker.Output.Any(l =>
                l.Contains("consumer consumer-0 is both in configuration (LivePerson__Consumers__0) and in the registry", StringComparison.Ordinal)), run.Tail())),
            Bound, "the duplicate reported");
        var consumers = (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers"))!;
        Assert.DoesNotContain(consumers, c => c!["connections"]!.GetValue<int>() > 1);
        Assert.Equal(2, consumers.Count(c => c!["connections"]!.GetValue<int>() == 1));
        Assert.Equal(0, await worker.StopAsync(TimeSpan.FromSeconds(40)));
    }

    [Fact]
    public async Task Two_workers_share_registry_consumers_through_the_leases_and_one_takes_over_when_the_other_stops()
    {
        await using var run = await EndToEndRun.StartAsync(0, new SimulatorSettings { Seed = 17 });
        var first = run.StartWorker(e => Name(e, run, "worker-a"));
        var second = run.StartWorker(e => Name(e, run, "worker-b"));
        var csv = Path.Combine(Path.GetTempPath(), $"registry-{Guid.NewGuid():N}.csv");
        await File.WriteAllLinesAsync(csv,
        [
            "name,flow,external_id,connector_id",
            .. Enumerable.Range(1, 4).Select(i => $"customer-{i},Authenticated,ext-{i},"),
            "anonymous-1,Unauthenticated,,connector-1",
            "anonymous-2,Unauthenticated,,connector-1",
        ]);
        try
        {
            using var watch = new CancellationTokenSource();
            var violations = new List<string>();
            var watcher = WatchAsync(run, violations, watch.Token);

            var imported = await run.OwnerCliAsync("consumers", "import", csv);
            Assert.True(imported.ExitCode == 0, imported.StandardError);
            Assert.Contains("6 consumer(s) added, 0 already registered", imported.StandardOutput, StringComparison.Ordinal);

            await Eventually.HoldsAsync(async () =>
            {
                var holders = await HoldersAsync(run);
                var connected = await ConnectedCountAsync(run);
                return (connected == 6 && holders.Count == 6 && holders.Values.Distinct().Count() == 2,
                    $"{connected} connected; leases {string.Join(", ", holders.Select(h => $"{h.Key}={h.Value}"))}; {run.Tail()}");
            }, Bound, "six registry consumers shared by two workers");

            Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(40)));
            await Eventually.HoldsAsync(async () =>
            {
                var holders = await HoldersAsync(run);
                var connected = await ConnectedCountAsync(run);
                return (connected == 6 && holders.Count == 6 && holders.Values.All(w => w == "worker-b"),
                    $"{connected} connected; leases {string.Join(", ", holders.Select(h => $"{h.Key}={h.Value}"))}; {run.Tail()}");
            }, Bound, "the remaining worker holding every registry consumer");

            await watch.CancelAsync();
            await watcher;
            Assert.True(violations.Count == 0, string.Join(" | ", violations.Take(10)));
            Assert.Equal(0, await second.StopAsync(TimeSpan.FromSeconds(40)));
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public async Task Removing_a_consumer_closes_its_socket_normally_and_keeps_its_archive()
    {
        await using var run = await EndToEndRun.StartAsync(0, new SimulatorSettings { Seed = 18 });
        var worker = run.StartWorker(e => e["Logging__LogLevel__Default"] = "Information");
        foreach (var name in new[] { "leaving", "staying" })
        {
            var added = await run.OwnerCliAsync("consumers", "add", name, "--flow", "Authenticated", "--external-id", $"ext-{name}");
            Assert.True(added.ExitCode == 0, added.StandardError);
        }
        var leaving = TokenService.AuthenticatedConsumerId(EndToEndRun.Issuer, "ext-leaving");
        var staying = TokenService.AuthenticatedConsumerId(EndToEndRun.Issuer, "ext-staying");
        await Eventually.HoldsAsync(async () => (await ConnectedCountAsync(run) == 2, run.Tail()), Bound, "both registry consumers connected");
        await run.PostAsync("/control/scenario", new { conversationsPerConsumer = 2, consumers = new[] { leaving }, paceMs = 0 });
        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(2));
        var before = await SnapshotAsync(run);
        var closesBefore = (await ConsumerAsync(run, leaving))!["normalCloses"]!.GetValue<int>();

        var removed = await run.OwnerCliAsync("consumers", "remove", "leaving");
        Assert.True(removed.ExitCode == 0, removed.StandardError);
        Assert.Contains("consumer leaving removed", removed.StandardOutput, StringComparison.Ordinal);

        // The session ends: the simulator saw the socket closed with 1000, the lease is given back, the other stays.
        await Eventually.HoldsAsync(async () =>
        {
            var c = (await ConsumerAsync(run, leaving))!;
            return (c["connections"]!.GetValue<int>() == 0 && c["normalCloses"]!.GetValue<int>() > closesBefore, $"{c.ToJsonString()}; {run.Tail()}");
        }, Bound, "the removed consumer's socket closed normally");
        await Eventually.HoldsAsync(async () => (!(await HoldersAsync(run)).ContainsKey("leaving"), run.Tail()), Bound, "its lease given back");
        Assert.True(Connected((await ConsumerAsync(run, staying))!));
        Assert.Contains(worker.Output, l => l.Contains("Stopped 1 session(s) of consumer(s) removed from the registry (leaving)", StringComparison.Ordinal));

        // Its archive is untouched: the events and the read models are what they were, every chain verifies, and the
        // archive still equals the ground truth.
        Assert.Equal(before, await SnapshotAsync(run));
        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromSeconds(30));
        var verify = await ProcessRunner.ArchiverAsync(new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = run.ConnectionString }, "verify");
        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);

        // The history keeps who was archived: the removal is listed, and recorded in the admin stream.
        var list = await run.OwnerCliAsync("consumers", "list", "--all");
        Assert.Contains(list.StandardOutput.Split('\n'), l => l.StartsWith("leaving  Authenticated", StringComparison.Ordinal) && l.Contains("REMOVED", StringComparison.Ordinal));
        Assert.DoesNotContain("leaving", (await run.OwnerCliAsync("consumers", "list")).StandardOutput, StringComparison.Ordinal);
        await using (var admin = run.Archive.CreateCommand(
            "SELECT count(*) FROM archive.events WHERE stream_id = 'admin:archive' AND type = 'ConsumerRemoved' AND body->>'name' = 'leaving'"))
            Assert.Equal(1L, (long)(await admin.ExecuteScalarAsync())!);
        Assert.Equal(0, await worker.StopAsync(TimeSpan.FromSeconds(40)));
    }

    private static bool Connected(JsonNode consumer) =>
        consumer["connections"]!.GetValue<int>() == 1 && consumer["subscriptions"]!.GetValue<int>() > 0;

    private static async Task<JsonNode?> ConsumerAsync(EndToEndRun run, string consumerId) =>
        (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers"))!.FirstOrDefault(c => c!["consumerId"]!.GetValue<string>() == consumerId);

    private static async Task<int> ConnectedCountAsync(EndToEndRun run) =>
        (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers"))!.Count(c => Connected(c!));

    private static async Task<DateTimeOffset> AddedAtAsync(EndToEndRun run, string name)
    {
        await using var command = run.Archive.CreateCommand("SELECT added_at FROM archive.consumer_registry WHERE consumer_name = $1 AND removed_at IS NULL");
        command.Parameters.AddWithValue(name);
        return (DateTimeOffset)(DateTime)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>When the condition first held, polled every 50 ms until the deadline.</summary>
    private static async Task<DateTimeOffset> WhenAsync(EndToEndRun run, Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (await condition())
                return DateTimeOffset.UtcNow;
            await Task.Delay(50);
        }
        throw new TimeoutException($"not within {timeout.TotalSeconds:F0} s: {run.Tail()}");
    }

    /// <summary>Who holds each live lease: consumer → worker.</summary>
    private static async Task<Dictionary<string, string>> HoldersAsync(EndToEndRun run)
    {
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = run.Archive.CreateCommand(
            "SELECT consumer_name, worker_id FROM archive.consumer_leases WHERE worker_id IS NOT NULL AND expires_at > now()");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            holders[reader.GetString(0)] = reader.GetString(1);
        return holders;
    }

    /// <summary>Samples the simulator's sockets: a consumer with two at once would be held twice.</summary>
    private static async Task WatchAsync(EndToEndRun run, List<string> violations, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var consumers = (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers", cancellationToken))!;
                violations.AddRange(consumers.Where(c => c!["connections"]!.GetValue<int>() > 1)
                    .Select(c => $"{DateTime.UtcNow:HH:mm:ss.fff} {c!["consumerId"]} has {c["connections"]} sockets"));
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Every event outside the admin stream (a removal is recorded there), with its chain hash, and every read model
    /// table's rows: one digest each.
    /// </summary>
    private static async Task<string> SnapshotAsync(EndToEndRun run)
    {
        var parts = new List<string>();
        await using (var events = run.Archive.CreateCommand(
            "SELECT count(*) || ' ' || coalesce(md5(string_agg(stream_id || '/' || position || '/' || encode(hash, 'hex'), ',' ORDER BY global_position)), '') FROM archive.events WHERE stream_id <> 'admin:archive'"))
            parts.Add("events " + await events.ExecuteScalarAsync());
        var tables = new List<string>();
        await using (var list = run.Archive.CreateCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'readmodel' ORDER BY tablename"))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }
        Assert.NotEmpty(tables);
        foreach (var table in tables)
        {
            await using var rows = run.Archive.CreateCommand(
                $"SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM readmodel.{table} t");
            parts.Add($"{table} {await rows.ExecuteScalarAsync()}");
        }
        return string.Join("\n", parts);
    }

    private static void Name(Dictionary<string, string?> environment, EndToEndRun run, string worker)
    {
        environment["Coordination__WorkerId"] = worker;
        environment["ConnectionStrings__Archive"] = new NpgsqlConnectionStringBuilder(run.WorkerConnectionString) { ApplicationName = worker }.ConnectionString;
        environment["Logging__LogLevel__Default"] = "Information";
    }
}
