using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Protocol;
using Archiver.Simulator;
using Archiver.Simulator.Configuration;
using Archiver.Worker.Hosting;
using Archiver.Worker.Ingestion;

namespace Archiver.Bench;

/// <summary>
/// <c>bench/run e2e</c>: the whole pipeline — the simulator in load mode (in this process), the worker with 4 Signup
/// consumers in its own process (<see cref="WorkerProcess"/>: its CPU is counted apart), a fresh durable database. Throughput: messaging events committed per second while the simulator emits as
/// fast as it can, against the baseline of raw binary COPY of the very same rows (same values and hashes, in the
/// worker's batch size) into a fresh database. Latency: the worker's own notification-received → committed lag
/// (<c>archiver.ingestion.lag</c>) for every notification of a steady 2,000 events/s phase. Also: the worker's CPU per
/// event, and the limit — raw COPY over parallel connections of everything the archive wrote (<see cref="ArchiveLimit"/>).
/// </summary>
public static class EndToEndBenchmark
{
    private const int Consumers = 4;

    public static async Task<BenchmarkResult> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var total = BenchmarkRunner.IntArgument(args, "--events", 200_000);
        var conversations = BenchmarkRunner.IntArgument(args, "--conversations", 25); // per consumer
        var messages = Math.Max(1, total / (Consumers * conversations));
        var expected = (long)Consumers * conversations * messages;
        var steadyRate = BenchmarkRunner.IntArgument(args, "--rate", 2_000);
        var steadySeconds = BenchmarkRunner.IntArgument(args, "--seconds", 20);
        var steadyConversations = 2;
        var steadyMessages = Math.Max(1, steadyRate * steadySeconds / (Consumers * steadyConversations));
        var steadyExpected = (long)Consumers * steadyConversations * steadyMessages;
        // A fresh process compiles its hot paths while it runs (tier-0 code, then tier-1 with PGO): the first tens of
        // thousands of events carry that JIT work. A worker runs for days, so the phases below measure it warmed up by
        // this many events; their CPU per event is reported as well (workerCpuUsPerEventWarmup).
        var warmupConversations = 10;
        var warmupMessages = Math.Max(0, BenchmarkRunner.IntArgument(args, "--warmup", 200_000) / (Consumers * warmupConversations));
        var warmup = (long)Consumers * warmupConversations * warmupMessages;
        var batchSize = new IngestionOptions().MaxBatchEvents;
        Console.Error.WriteLine($"e2e: {warmup:N0} events to warm the worker, then {Consumers} consumers × {conversations} conversations × {messages:N0} messages = {expected:N0} events at max rate, " +
                                $"then {steadyExpected:N0} at {steadyRate:N0}/s");

        await using var archive = await BenchDatabase.CreateAsync("e2e");
        await using var copyDatabase = await BenchDatabase.CreateAsync("e2ecopy");

        double seconds;
        double workerCpu;
        double warmupCpu = 0;
        List<NewEvent> committed;
        List<double> lags;
        await using (var simulator = await SimulatorHost.StartAsync(new SimulatorSettings { Seed = 1, Quirks = false }, cancellationToken))
        {
            using var http = new HttpClient { BaseAddress = simulator.BaseUri, Timeout = TimeSpan.FromMinutes(10) };
            await using var worker = await WorkerProcess.StartAsync(WorkerEnvironment(archive.ConnectionString, simulator, Consumers), cancellationToken);
            await ConsumersSubscribedAsync(worker, Consumers, TimeSpan.FromSeconds(60), cancellationToken);

            if (warmup > 0)
            {
                var cold = await SnapshotAsync(worker, cancellationToken);
                await PostLoadAsync(http, new { conversationsPerConsumer = warmupConversations, messagesPerConversation = warmupMessages, ratePerSecond = 0 }, cancellationToken);
                await MessagingEventsCommittedAsync(archive, worker, warmup, cancellationToken);
                var warm = await SnapshotAsync(worker, cancellationToken);
                warmupCpu = warm.WorkerCpu - cold.WorkerCpu;
                Console.Error.WriteLine($"e2e: warm-up {Describe(cold, warm)}; worker CPU {warmupCpu * 1e6 / warmup:F1} µs per event");
            }

            // Throughput: from the load's start until every messaging event is committed.
            await archive.CheckpointAsync();
            var before = await SnapshotAsync(worker, cancellationToken);
            var clock = Stopwatch.StartNew();
            var load = PostLoadAsync(http, new { conversationsPerConsumer = conversations, messagesPerConversation = messages, ratePerSecond = 0 }, cancellationToken);
            await MessagingEventsCommittedAsync(archive, worker, warmup + expected, cancellationToken);
            seconds = clock.Elapsed.TotalSeconds;
            var after = await SnapshotAsync(worker, cancellationToken);
            workerCpu = after.WorkerCpu - before.WorkerCpu;
            var emitted = await load;
            Console.Error.WriteLine($"e2e: simulator emitted {emitted.Changes:N0} in {emitted.ElapsedMs / 1000:F2} s; " +
                                    $"{expected:N0} events committed in {seconds:F2} s, {expected / seconds:N0} events/s");
            Console.Error.WriteLine($"e2e: throughput phase {Describe(before, after)}");
            if (emitted.Changes != expected)
                throw new InvalidOperationException($"The simulator emitted {emitted.Changes:N0} messaging events, expected {expected:N0}.");

            committed = await GroundTruthEventsAsync(http, cancellationToken);
            if (committed.Count != warmup + expected)
                throw new InvalidOperationException($"The ground truth holds {committed.Count:N0} messaging events, the archive {warmup + expected:N0}.");

            // Latency: a steady rate; every lag the worker records until the last event is committed.
            await archive.CheckpointAsync();
            before = await SnapshotAsync(worker, cancellationToken);
            await worker.LagsAsync(start: true, cancellationToken);
            var steadyClock = Stopwatch.StartNew();
            var steady = await PostLoadAsync(http, new { conversationsPerConsumer = steadyConversations, messagesPerConversation = steadyMessages, ratePerSecond = steadyRate },
                cancellationToken);
            await MessagingEventsCommittedAsync(archive, worker, warmup + expected + steadyExpected, cancellationToken);
            lags = await worker.LagsAsync(start: false, cancellationToken);
            after = await SnapshotAsync(worker, cancellationToken);
            Console.Error.WriteLine($"e2e: steady phase {Describe(before, after)}; worker CPU {(after.WorkerCpu - before.WorkerCpu) * 1e6 / steadyExpected:F1} µs per event");
            Console.Error.WriteLine($"e2e: steady phase emitted {steady.Changes:N0} in {steady.ElapsedMs / 1000:F2} s " +
                                    $"({steady.Changes / (steady.ElapsedMs / 1000):N0}/s), all committed after {steadyClock.Elapsed.TotalSeconds:F2} s; " +
                                    $"{lags.Count:N0} lag measurements");
        }

        // Baseline: the very same rows, raw binary COPY in the worker's batch size, into a fresh database.
        var rows = RawCopy.Rows(committed);
        await copyDatabase.CheckpointAsync();
        var copyClock = Stopwatch.StartNew();
        foreach (var chunk in rows.Chunk(batchSize))
            await RawCopy.CopyAsync(copyDatabase, chunk, cancellationToken);
        var copySeconds = copyClock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"e2e: raw COPY {copySeconds:F2} s, {rows.Count / copySeconds:N0} events/s " +
                                $"({committed.Sum(e => (long)e.Body.Length) / committed.Count} chars per body on average)");

        // The limit: everything the archive wrote for this traffic, raw COPY over parallel connections.
        var (limitSeconds, limitEvents) = await ArchiveLimit.MeasureAsync(archive, batchSize, cancellationToken);
        var limitRate = limitEvents / limitSeconds;
        Console.Error.WriteLine($"e2e: limit (raw COPY of events, transcript with search vectors, receipts in parallel) {limitSeconds:F2} s, {limitRate:N0} events/s");

        var rate = expected / seconds;
        var cpuUs = workerCpu * 1e6 / expected;
        Console.Error.WriteLine($"e2e: worker CPU {workerCpu:F2} s in the throughput phase, {cpuUs:F1} µs per event");
        return BenchmarkResult.Of("e2e", expected, rate, rows.Count / copySeconds, lags) with
        {
            WorkerCpuUsPerEvent = Math.Round(cpuUs, 1),
            LimitRate = Math.Round(limitRate),
            RatioToLimit = Math.Round(rate / limitRate, 3),
            WorkerCpuUsPerEventWarmup = warmup > 0 ? Math.Round(warmupCpu * 1e6 / warmup, 1) : null,
        };
    }

    internal sealed record Snapshot(ProbeStats Stats, double WorkerCpu, TimeSpan OwnCpu, double PostgresCpu, long Clock);

    internal static async Task<Snapshot> SnapshotAsync(WorkerProcess worker, CancellationToken cancellationToken) =>
        new(await worker.StatsAsync(cancellationToken), worker.CpuSeconds(), Process.GetCurrentProcess().TotalProcessorTime, PostgresCpuSeconds(),
            Stopwatch.GetTimestamp());

    /// <summary>CPU seconds used so far by the machine's postgres processes (Linux /proc; 0 elsewhere).</summary>
    internal static double PostgresCpuSeconds()
    {
        var ticks = 0L;
        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var close = stat.LastIndexOf(')');
                    if (close < 0 || !stat.AsSpan(0, close).Contains("(postgres", StringComparison.Ordinal))
                        continue;
                    var fields = stat[(close + 2)..].Split(' ');
                    ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                             + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    // A process that ended meanwhile.
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }
        return ticks / 100.0; // USER_HZ
    }

    /// <summary>Where the phase's time went: the store's appends, and CPU per wall second of the worker, this process (the simulator) and postgres.</summary>
    internal static string Describe(Snapshot from, Snapshot to)
    {
        var wall = Stopwatch.GetElapsedTime(from.Clock, to.Clock).TotalSeconds;
        var appends = Math.Max(1, to.Stats.Appends - from.Stats.Appends);
        return $"{wall:F2} s: {to.Stats.Appends - from.Stats.Appends:N0} appends of {(double)(to.Stats.BatchEvents - from.Stats.BatchEvents) / appends:F0} events on average, " +
               $"{(to.Stats.AppendSeconds - from.Stats.AppendSeconds) * 1000 / appends:F1} ms each, {to.Stats.AppendSeconds - from.Stats.AppendSeconds:F2} s in all; " +
               $"CPU in use: worker {(to.WorkerCpu - from.WorkerCpu) / wall:F2} cores, this process (simulator) {(to.OwnCpu - from.OwnCpu).TotalSeconds / wall:F2} cores, " +
               $"postgres {(to.PostgresCpu - from.PostgresCpu) / wall:F2} cores; in the worker: {to.Stats.JitMethods - from.Stats.JitMethods:N0} methods " +
               $"compiled in {to.Stats.JitSeconds - from.Stats.JitSeconds:F2} s, {to.Stats.Gen0Collections - from.Stats.Gen0Collections:N0} collections " +
               $"pausing {(to.Stats.GcPauseSeconds - from.Stats.GcPauseSeconds) * 1000:F0} ms, {(to.Stats.AllocatedBytes - from.Stats.AllocatedBytes) / 1048576.0:N0} MiB allocated";
    }

    /// <summary>The worker's configuration: the archive, the simulator as LivePerson, <paramref name="consumers"/> Signup consumers.</summary>
    internal static Dictionary<string, string> WorkerEnvironment(string connectionString, SimulatorHost simulator, int consumers)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Archive"] = connectionString,
            ["LivePerson__AccountId"] = simulator.Account,
            ["LivePerson__CsdsUrl"] = simulator.BaseUri.ToString().TrimEnd('/'),
            ["LivePerson__Tls"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        for (var i = 0; i < consumers; i++)
        {
            environment[$"LivePerson__Consumers__{i}__Name"] = $"bench-{i}";
            environment[$"LivePerson__Consumers__{i}__Mode"] = "Signup";
        }
        return environment;
    }

    /// <summary>Waits until the worker counts <paramref name="consumers"/> sessions connected and subscribed (archiver.sessions.connected).</summary>
    internal static async Task ConsumersSubscribedAsync(WorkerProcess worker, int consumers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            worker.ThrowIfExited();
            var connected = (await worker.StatsAsync(cancellationToken)).Connected;
            if (connected >= consumers)
                return;
            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"Only {connected} of {consumers} consumers connected and subscribed after {timeout.TotalSeconds:F0} s; log: {WorkerProcess.Tail(worker.LogFile)}");
            await Task.Delay(50, cancellationToken);
        }
    }

    internal static async Task<(long Changes, double ElapsedMs)> PostLoadAsync(HttpClient http, object load, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("control/load", load, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST control/load answered {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return (document.RootElement.GetProperty("changes").GetInt64(), document.RootElement.GetProperty("elapsedMs").GetDouble());
    }

    /// <summary>
    /// Waits until archive.events holds <paramref name="expected"/> messaging events. The store's appended counter (read
    /// through the probe) says when it can be near; only then is the table counted (every 10 ms), so polling does not
    /// load the server meanwhile.
    /// </summary>
    internal static async Task MessagingEventsCommittedAsync(BenchDatabase archive, WorkerProcess worker, long expected, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            worker.ThrowIfExited();
            if (deadline.Elapsed > TimeSpan.FromMinutes(10))
                throw new TimeoutException($"Fewer than {expected:N0} messaging events were committed after 10 minutes.");
            if ((await worker.StatsAsync(cancellationToken)).Appended >= expected)
            {
                await using var command = archive.DataSource.CreateCommand("SELECT count(*) FROM archive.events WHERE stream_id NOT LIKE '%:%'");
                var count = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
                if (count >= expected)
                {
                    if (count > expected)
                        throw new InvalidOperationException($"archive.events holds {count:N0} messaging events, expected {expected:N0}.");
                    return;
                }
            }
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>The messaging events the simulator emitted, as the worker maps them (verbatim change JSON), in emission order.</summary>
    internal static async Task<List<NewEvent>> GroundTruthEventsAsync(HttpClient http, CancellationToken cancellationToken)
    {
        await using var stream = await http.GetStreamAsync("control/ground-truth", cancellationToken);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        var events = new List<NewEvent>();
        foreach (var conversation in document.RootElement.GetProperty("conversations").EnumerateArray())
        {
            foreach (var dialog in conversation.GetProperty("dialogs").EnumerateArray())
            {
                foreach (var change in dialog.GetProperty("events").EnumerateArray())
                {
                    events.Add(ArchiveMapping.ForMessaging(MessagingChange.Read(change), "bench", archiveChatStates: false)!);
                }
            }
        }
        // Conversations ran concurrently: interleave them as they arrived (server timestamps are strictly increasing).
        return events.OrderBy(e => e.ServerTimestamp).ToList();
    }
}
