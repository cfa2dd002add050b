using System.Diagnostics;
using System.Globalization;
using Archiver.Simulator;
using Archiver.Simulator.Configuration;
using Archiver.Worker.Ingestion;

namespace Archiver.Bench;

/// <summary>
/// <c>bench/run fleet</c>: one worker process holding N consumers (default 5,000; Signup identities given by
/// configuration, <c>LivePerson__Consumers__{i}__…</c>), each with 2 conversations left open — a brand's fleet on one
/// worker. Measured on the worker process alone (<see cref="WorkerProcess"/>): <c>connectSeconds</c>, from the process's
/// start until it counts every session connected and subscribed; <c>archiveSeconds</c>, from the scenario's start
/// (<c>POST /control/load</c>, N × 2 conversations × <c>--messages</c> messages at max rate, <c>leaveOpen</c>) until every
/// messaging event is committed; then, idle, <c>rssMb</c> (VmRSS) and <c>idleCpuPercent</c> (utime + stime over
/// <c>--idle-seconds</c>, in % of one core). <c>rate</c> = events / archiveSeconds; the baseline is raw binary COPY of the
/// scenario's very events (same rows and hashes, the worker's batch size) into a fresh database. The GC's view of the
/// worker's heap goes to stderr, for where the memory per consumer goes (docs/benchmarks.md, "fleet").
/// </summary>
public static class FleetBenchmark
{
    private const int ConversationsPerConsumer = 2;

    public static async Task<BenchmarkResult> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var consumers = BenchmarkRunner.IntArgument(args, "--consumers", 5_000);
        var messages = BenchmarkRunner.IntArgument(args, "--messages", 10);
        var idleSeconds = BenchmarkRunner.IntArgument(args, "--idle-seconds", 30);
        var expected = (long)consumers * ConversationsPerConsumer * messages;
        var batchSize = new IngestionOptions().MaxBatchEvents;
        Console.Error.WriteLine($"fleet: {consumers:N0} consumers × {ConversationsPerConsumer} open conversations × {messages} messages = {expected:N0} events, one worker");

        await using var archive = await BenchDatabase.CreateAsync("fleet");
        await using var copyDatabase = await BenchDatabase.CreateAsync("fleetcopy");

        double connectSeconds, archiveSeconds, rssMb, idleCpuPercent;
        List<Archiver.Domain.Events.NewEvent> committed;
        // A consumer's socket is a descriptor on each side; the idle timeout is the protocol's (the worker pings within it).
        await using (var simulator = await SimulatorHost.StartAsync(new SimulatorSettings { Seed = 1, Quirks = false }, cancellationToken))
        {
            using var http = new HttpClient { BaseAddress = simulator.BaseUri, Timeout = TimeSpan.FromMinutes(10) };
            var environment = EndToEndBenchmark.WorkerEnvironment(archive.ConnectionString, simulator, consumers);
            var connectClock = Stopwatch.StartNew();
            await using var worker = await WorkerProcess.StartAsync(environment, cancellationToken);
            await EndToEndBenchmark.ConsumersSubscribedAsync(worker, consumers, TimeSpan.FromMinutes(10), cancellationToken);
            connectSeconds = connectClock.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"fleet: {consumers:N0} sessions connected and subscribed {connectSeconds:F1} s after the worker started; " +
                                    $"worker RSS {worker.RssMb():F0} MiB, {worker.OpenFiles():N0} open descriptors, CPU so far {worker.CpuSeconds():F1} s");
            await ReportGcAsync(worker, "connected", cancellationToken);

            await archive.CheckpointAsync();
            var before = await EndToEndBenchmark.SnapshotAsync(worker, cancellationToken);
            var clock = Stopwatch.StartNew();
            var load = EndToEndBenchmark.PostLoadAsync(http, new
            {
                conversationsPerConsumer = ConversationsPerConsumer, messagesPerConversation = messages, ratePerSecond = 0, leaveOpen = true,
            }, cancellationToken);
            await EndToEndBenchmark.MessagingEventsCommittedAsync(archive, worker, expected, cancellationToken);
            archiveSeconds = clock.Elapsed.TotalSeconds;
            var after = await EndToEndBenchmark.SnapshotAsync(worker, cancellationToken);
            var emitted = await load;
            if (emitted.Changes != expected)
                throw new InvalidOperationException($"The simulator emitted {emitted.Changes:N0} messaging events, expected {expected:N0}.");
            Console.Error.WriteLine($"fleet: emitted in {emitted.ElapsedMs / 1000:F2} s; {expected:N0} events committed in {archiveSeconds:F2} s, " +
                                    $"{expected / archiveSeconds:N0} events/s; {EndToEndBenchmark.Describe(before, after)}");
            committed = await EndToEndBenchmark.GroundTruthEventsAsync(http, cancellationToken);

            // Idle: every session connected, every conversation open, nothing to archive — what the fleet costs at rest.
            // Let the last batch's work settle, and the worker give the burst's memory back (IdleMemoryTrimmer: one
            // blocking, compacting collection within two of its periods of the burst's end), before the steady window.
            await Task.Delay(2 * Archiver.Worker.Hosting.IdleMemoryTrimmer.Period + TimeSpan.FromSeconds(5), cancellationToken);
            var idleFrom = worker.CpuSeconds();
            var idleClock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(idleSeconds), cancellationToken);
            idleCpuPercent = (worker.CpuSeconds() - idleFrom) / idleClock.Elapsed.TotalSeconds * 100;
            rssMb = worker.RssMb();
            worker.ThrowIfExited();
            var stillConnected = (await worker.StatsAsync(cancellationToken)).Connected;
            Console.Error.WriteLine($"fleet: idle {idleSeconds} s: CPU {idleCpuPercent:F1} % of a core, RSS {rssMb:F0} MiB " +
                                    $"({rssMb * 1024 / consumers:F0} KiB per consumer), {stillConnected:N0} sessions connected");
            if (stillConnected < consumers)
                throw new InvalidOperationException($"Only {stillConnected} of {consumers} sessions stayed connected while idle.");
            await ReportGcAsync(worker, "idle", cancellationToken);
            await HeapDumpAsync(worker, consumers, cancellationToken);
            var collected = await worker.GcAsync(collect: true, cancellationToken);
            Console.Error.WriteLine($"fleet: after a full compacting collection: heap {collected.HeapBytes / 1048576.0:F0} MiB " +
                                    $"({collected.HeapBytes / 1024.0 / consumers:F0} KiB per consumer), RSS {worker.RssMb():F0} MiB");
        }

        // Baseline: the scenario's very events, raw binary COPY in the worker's batch size, into a fresh database.
        var rows = RawCopy.Rows(committed);
        await copyDatabase.CheckpointAsync();
        var copyClock = Stopwatch.StartNew();
        foreach (var chunk in rows.Chunk(batchSize))
            await RawCopy.CopyAsync(copyDatabase, chunk, cancellationToken);
        var copySeconds = copyClock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"fleet: raw COPY {copySeconds:F2} s, {rows.Count / copySeconds:N0} events/s");

        return BenchmarkResult.Of("fleet", expected, expected / archiveSeconds, rows.Count / copySeconds) with
        {
            Consumers = consumers,
            ConnectSeconds = Math.Round(connectSeconds, 1),
            ArchiveSeconds = Math.Round(archiveSeconds, 2),
            RssMb = Math.Round(rssMb),
            IdleCpuPercent = Math.Round(idleCpuPercent, 1),
        };
    }

    /// <summary>
    /// With <c>ARCHIVER_BENCH_GCDUMP=DIR</c> and dotnet-gcdump installed (a dotnet tool): the worker's heap by type, for
    /// the investigation of memory per consumer; the dump is kept in DIR.
    /// </summary>
    private static async Task HeapDumpAsync(WorkerProcess worker, int consumers, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("ARCHIVER_BENCH_GCDUMP") is not { Length: > 0 } directory)
            return;
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, $"fleet-{consumers}.gcdump");
        foreach (var arguments in new[] { $"collect -p {worker.Pid} -o {file}", $"report {file}" })
        {
            var start = new ProcessStartInfo("dotnet-gcdump", arguments) { RedirectStandardOutput = true };
            using var tool = Process.Start(start)!;
            var output = await tool.StandardOutput.ReadToEndAsync(cancellationToken);
            await tool.WaitForExitAsync(cancellationToken);
            Console.Error.WriteLine(string.Join(Environment.NewLine, output.Split('\n').Take(45)));
        }
    }

    private static async Task ReportGcAsync(WorkerProcess worker, string when, CancellationToken cancellationToken)
    {
        var gc = await worker.GcAsync(collect: false, cancellationToken);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fleet: GC when {when}: {(gc.ServerGc ? "server" : "workstation")}, heap {gc.HeapBytes / 1048576.0:F0} MiB, committed {gc.CommittedBytes / 1048576.0:F0} MiB, " +
            $"fragmented {gc.FragmentedBytes / 1048576.0:F0} MiB, generations [{string.Join(", ", gc.GenerationBytes.Select(b => (b / 1048576.0).ToString("F1", CultureInfo.InvariantCulture)))}] MiB, " +
            $"{gc.Threads} threads ({gc.ThreadPoolThreads} in the pool); GC settings {string.Join(" ", gc.Configuration.Where(kv => kv.Key is "ServerGC" or "ConcurrentGC" or "HeapCount" or "GCDynamicAdaptationMode" or "HeapHardLimit" or "ConserveMemory").Select(kv => $"{kv.Key}={kv.Value}"))}"));
    }
}
