using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;

namespace Archiver.EndToEnd.Tests;

/// <summary>Health, metrics and sd_notify, read from a real worker process while it archives.</summary>
public sealed partial class ObservabilityTests
{
    [Fact]
    public async Task Health_and_metrics_are_served_while_archiving()
    {
        await using var run = await EndToEndRun.StartAsync(2, new SimulatorSettings { Seed = 9 }, modes: ["Signup", "Authenticated"]);
        var worker = run.StartWorker(e => e["Observability__Port"] = "0");
        await run.ConsumersConnectedAsync();
        using var http = new HttpClient { BaseAddress = await ListeningOnAsync(run) };

        var scenario = run.PostAsync("/control/scenario", new { conversationsPerConsumer = 3, paceMs = 30 });
        using (var live = await http.GetAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal("Healthy", JsonDocument.Parse(await live.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        }
        await Eventually.HoldsAsync(async () =>
        {
            using var ready = await http.GetAsync("/health/ready");
            var body = await ready.Content.ReadAsStringAsync();
            return (ready.StatusCode == HttpStatusCode.OK && body.Contains("2 of 2 held session(s) connected", StringComparison.Ordinal), body);
        }, TimeSpan.FromSeconds(20), "Readiness");
        await scenario;
        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(1));

        var metrics = await http.GetStringAsync("/metrics");
        foreach (var name in new[]
                 {
                     "archiver_events_appended", "archiver_events_duplicates", "archiver_append_batch_size", "archiver_append_duration",
                     "archiver_ingestion_lag", "archiver_sessions_connected", "archiver_ums_notifications",
                 })
        {
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        }
        // Npgsql's meter (Npgsql.OpenTelemetry): the pool's connections and the commands' durations, labelled with the data
        // source's name, never its connection string.
        foreach (var name in new[] { "db_client_connection_count", "db_client_connection_max", "db_client_operation_duration" })
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        Assert.Contains("db_client_connection_pool_name=\"archive\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(new Npgsql.NpgsqlConnectionStringBuilder(run.WorkerConnectionString).Password!, metrics, StringComparison.Ordinal);
        var appended = AppendedTotal().Match(metrics);
        Assert.True(appended.Success, metrics);
        // The admin stream's events (the migrations) were appended by `archiver migrate`, not by this worker.
        Assert.Equal(await ArchiveComparison.CountAsync(run.Archive, "SELECT count(*) FROM archive.events WHERE stream_id <> 'admin:archive'"),
            long.Parse(appended.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, await worker.StopAsync(TimeSpan.FromSeconds(30)));
        await ScenarioArchiveTests.AssertNoSecretsLoggedAsync(run);
    }

    [Fact]
    public async Task The_worker_speaks_sd_notify_over_a_real_datagram_socket()
    {
        await using var run = await EndToEndRun.StartAsync(1, new SimulatorSettings { Seed = 4 }, modes: ["Signup"]);
        var path = Path.Combine(Path.GetTempPath(), $"archiver-notify-{Guid.NewGuid():N}.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            var worker = run.StartWorker(e =>
            {
                e["NOTIFY_SOCKET"] = path;
                e["WATCHDOG_USEC"] = "2000000"; // pings every second
            });
            var received = new List<string>();
            var buffer = new byte[4096];
            async Task<bool> ReceiveUntilAsync(Func<bool> done, TimeSpan timeout)
            {
                using var cancel = new CancellationTokenSource(timeout);
                while (!done())
                {
                    try
                    {
                        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
                        received.AddRange(Encoding.UTF8.GetString(buffer, 0, n).Split('\n'));
                    }
                    catch (OperationCanceledException)
                    {
                        return false;
                    }
                }
                return true;
            }

            Assert.True(await ReceiveUntilAsync(() => received.Contains("READY=1") && received.Count(m => m == "WATCHDOG=1") >= 3
                && received.Any(m => m.StartsWith("STATUS=archiving: 1 of 1", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)),
                string.Join(" | ", received) + " / " + run.Tail());
            await Task.Run(() => Process(worker));
            Assert.True(await ReceiveUntilAsync(() => received.Contains("STOPPING=1"), TimeSpan.FromSeconds(30)), string.Join(" | ", received));
            Assert.Equal(0, await worker.StopAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Json_logs_carry_the_consumer_scope_and_no_secret()
    {
        await using var run = await EndToEndRun.StartAsync(2, new SimulatorSettings { Seed = 12 }, modes: ["Signup", "Unauthenticated"]);
        run.StartWorker(e =>
        {
            e["Logging__Console__FormatterName"] = "json";
            e["Logging__Console__FormatterOptions__IncludeScopes"] = "true";
        });
        await run.ConsumersConnectedAsync();
        await run.PostAsync("/control/scenario", new { conversationsPerConsumer = 1, paceMs = 0 });
        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(1));
        await run.Worker!.StopAsync(TimeSpan.FromSeconds(30));

        var entries = run.Output.Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList(); // every line is one JSON object
        Assert.Contains(entries, e => e.GetProperty("Category").GetString() == "Archiver.Worker.Sessions.ConsumerSession"
            && e.TryGetProperty("Scopes", out var scopes)
            && scopes.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("Consumer", out var consumer)
                && consumer.GetString() == "consumer-0"));
        await ScenarioArchiveTests.AssertNoSecretsLoggedAsync(run);
    }

    private static void Process(WorkerProcess worker) =>
        System.Diagnostics.Process.Start("kill", ["-TERM", worker.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>The worker logs where Kestrel listens (an ephemeral loopback port here).</summary>
    internal static async Task<Uri> ListeningOnAsync(EndToEndRun run)
    {
        Uri? found = null;
        await Eventually.HoldsAsync(() =>
        {
            var match = run.Output.Select(l => ListeningOn().Match(l)).FirstOrDefault(m => m.Success);
            found = match is null ? null : new Uri(match.Groups[1].Value);
            return Task.FromResult((found is not null, run.Tail()));
        }, TimeSpan.FromSeconds(30), "The worker's HTTP surface");
        return found!;
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();

    [GeneratedRegex(@"(?m)^archiver_events_appended_total(?:\{[^}]*\})? (\d+)")]
    private static partial Regex AppendedTotal();
}
