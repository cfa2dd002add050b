using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Protocol;
using Archiver.Simulator;
using Archiver.Simulator.Configuration;
using Archiver.Worker.Hosting;
using Archiver.Worker.Ingestion;
using Archiver.Worker.Store;

namespace Archiver.Bench;

/// <summary>
/// <c>bench/run e2e</c>: the whole pipeline in one process — the simulator in load mode, the worker with 4 Signup
/// consumers, a fresh durable database. Throughput: messaging events committed per second while the simulator emits as
/// fast as it can, against the baseline of raw binary COPY of the very same rows (same values and hashes, in the
/// worker's batch size) into a fresh database. Latency: the worker's own notification-received → committed lag
/// (<c>archiver.ingestion.lag</c>) for every notification of a steady 2,000 events/s phase.
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
        var batchSize = new IngestionOptions().MaxBatchEvents;
        Console.Error.WriteLine($"e2e: {Consumers} consumers × {conversations} conversations × {messages:N0} messages = {expected:N0} events at max rate, " +
                                $"then {steadyExpected:N0} at {steadyRate:N0}/s");

        using var metrics = new WorkerMetrics();
        await using var archive = await BenchDatabase.CreateAsync("e2e");
        await using var copyDatabase = await BenchDatabase.CreateAsync("e2ecopy");

        double seconds;
        List<NewEvent> committed;
        List<double> lags;
        var simulator = await SimulatorHost.StartAsync(new SimulatorSettings { Seed = 1, Quirks = false }, cancellationToken);
        using var stopWorker = new CancellationTokenSource();
        Task<int>? worker = null;
        try
        {
            using var http = new HttpClient { BaseAddress = simulator.BaseUri, Timeout = TimeSpan.FromMinutes(10) };
            ConfigureWorker(archive.ConnectionString, simulator);
            worker = Task.Run(() => WorkerHost.RunAsync(stopWorker.Token), CancellationToken.None);
            await ConsumersSubscribedAsync(http, worker, cancellationToken);

            // Throughput: from the load's start until every messaging event is committed.
            await archive.CheckpointAsync();
            var before = Snapshot(metrics);
            var clock = Stopwatch.StartNew();
            var load = PostLoadAsync(http, conversations, messages, 0, cancellationToken);
            await MessagingEventsCommittedAsync(archive, metrics, expected, worker, cancellationToken);
            seconds = clock.Elapsed.TotalSeconds;
            var emitted = await load;
            Console.Error.WriteLine($"e2e: simulator emitted {emitted.Changes:N0} in {emitted.ElapsedMs / 1000:F2} s; " +
                                    $"{expected:N0} events committed in {seconds:F2} s, {expected / seconds:N0} events/s");
            Console.Error.WriteLine($"e2e: throughput phase {Describe(before, Snapshot(metrics))}");
            if (emitted.Changes != expected)
                throw new InvalidOperationException($"The simulator emitted {emitted.Changes:N0} messaging events, expected {expected:N0}.");

            committed = await GroundTruthEventsAsync(http, cancellationToken);
            if (committed.Count != expected)
                throw new InvalidOperationException($"The ground truth holds {committed.Count:N0} messaging events, the archive {expected:N0}.");

            // Latency: a steady rate; every lag the worker records until the last event is committed.
            await archive.CheckpointAsync();
            before = Snapshot(metrics);
            metrics.CollectLags(true);
            var steadyClock = Stopwatch.StartNew();
            var steady = await PostLoadAsync(http, steadyConversations, steadyMessages, steadyRate, cancellationToken);
            await MessagingEventsCommittedAsync(archive, metrics, expected + steadyExpected, worker, cancellationToken);
            lags = metrics.CollectLags(false);
            Console.Error.WriteLine($"e2e: steady phase {Describe(before, Snapshot(metrics))}");
            Console.Error.WriteLine($"e2e: steady phase emitted {steady.Changes:N0} in {steady.ElapsedMs / 1000:F2} s " +
                                    $"({steady.Changes / (steady.ElapsedMs / 1000):N0}/s), all committed after {steadyClock.Elapsed.TotalSeconds:F2} s; " +
                                    $"{lags.Count:N0} lag measurements");
        }
        finally
        {
            await stopWorker.CancelAsync();
            if (worker is not null)
            {
                try
                {
                    await worker.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
                }
                catch (Exception e) when (e is TimeoutException or OperationCanceledException)
                {
                    Console.Error.WriteLine($"e2e: the worker did not stop cleanly: {e.Message}");
                }
            }
            await simulator.DisposeAsync();
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

        return BenchmarkResult.Of("e2e", expected, expected / seconds, rows.Count / copySeconds, lags);
    }

    private static (long Appends, double Seconds, long Events, TimeSpan Cpu, double PostgresCpu, long Clock) Snapshot(WorkerMetrics metrics)
    {
        var (appends, seconds, events) = metrics.AppendTotals();
        return (appends, seconds, events, Process.GetCurrentProcess().TotalProcessorTime, PostgresCpuSeconds(), Stopwatch.GetTimestamp());
    }

    /// <summary>CPU seconds used so far by the machine's postgres processes (Linux /proc; 0 elsewhere).</summary>
    private static double PostgresCpuSeconds()
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

    /// <summary>Where the phase's time went: the store's appends, and this process's CPU (simulator + worker) per wall second.</summary>
    private static string Describe((long Appends, double Seconds, long Events, TimeSpan Cpu, double PostgresCpu, long Clock) from,
        (long Appends, double Seconds, long Events, TimeSpan Cpu, double PostgresCpu, long Clock) to)
    {
        var wall = Stopwatch.GetElapsedTime(from.Clock, to.Clock).TotalSeconds;
        var appends = Math.Max(1, to.Appends - from.Appends);
        return $"{wall:F2} s: {to.Appends - from.Appends:N0} appends of {(double)(to.Events - from.Events) / appends:F0} events on average, " +
               $"{(to.Seconds - from.Seconds) * 1000 / appends:F1} ms each, {to.Seconds - from.Seconds:F2} s in all; " +
               $"CPU in use: this process (simulator + worker) {(to.Cpu - from.Cpu).TotalSeconds / wall:F2} cores, " +
               $"postgres {(to.PostgresCpu - from.PostgresCpu) / wall:F2} cores";
    }

    private static void ConfigureWorker(string connectionString, SimulatorHost simulator)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Archive"] = connectionString,
            ["LivePerson__AccountId"] = simulator.Account,
            ["LivePerson__CsdsUrl"] = simulator.BaseUri.ToString().TrimEnd('/'),
            ["LivePerson__Tls"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__Console__LogToStandardErrorThreshold"] = "Trace", // stdout is for the result line
        };
        for (var i = 0; i < Consumers; i++)
        {
            environment[$"LivePerson__Consumers__{i}__Name"] = $"bench-{i}";
            environment[$"LivePerson__Consumers__{i}__Mode"] = "Signup";
        }
        foreach (var (name, value) in environment)
            Environment.SetEnvironmentVariable(name, value);
    }

    private static async Task ConsumersSubscribedAsync(HttpClient http, Task worker, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (worker.IsCompleted)
                await worker; // rethrows why it stopped
            var consumers = await http.GetFromJsonAsync<JsonElement>("control/consumers", cancellationToken);
            var ready = consumers.EnumerateArray().Count(c => c.GetProperty("connections").GetInt32() > 0 && c.GetProperty("subscriptions").GetInt32() > 0);
            if (ready >= Consumers)
                return;
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"Only {ready} of {Consumers} consumers connected and subscribed after 60 s.");
            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<(long Changes, double ElapsedMs)> PostLoadAsync(HttpClient http, int conversations, int messages, int ratePerSecond,
        CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("control/load",
            new { conversationsPerConsumer = conversations, messagesPerConversation = messages, ratePerSecond }, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST control/load answered {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return (document.RootElement.GetProperty("changes").GetInt64(), document.RootElement.GetProperty("elapsedMs").GetDouble());
    }

    /// <summary>
    /// Waits until archive.events holds <paramref name="expected"/> messaging events. The store's appended counter says
    /// when it can be near; only then is the table counted (every 10 ms), so polling does not load the server meanwhile.
    /// </summary>
    private static async Task MessagingEventsCommittedAsync(BenchDatabase archive, WorkerMetrics metrics, long expected, Task worker,
        CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (worker.IsCompleted)
                await worker;
            if (deadline.Elapsed > TimeSpan.FromMinutes(10))
                throw new TimeoutException($"Fewer than {expected:N0} messaging events were committed after 10 minutes.");
            if (metrics.Appended >= expected)
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
    private static async Task<List<NewEvent>> GroundTruthEventsAsync(HttpClient http, CancellationToken cancellationToken)
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

    /// <summary>The worker's instruments, read in-process: every ingestion lag (when collecting) and the events appended.</summary>
    private sealed class WorkerMetrics : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Lock _gate = new();
        private List<double>? _lags;
        private long _appended;
        private long _appends;
        private double _appendSeconds;
        private long _batchEvents;

        public WorkerMetrics()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if ((instrument.Meter.Name == IngestionMetrics.MeterName && instrument.Name == "archiver.ingestion.lag")
                    || (instrument.Meter.Name == StoreMetrics.MeterName
                        && instrument.Name is "archiver.events.appended" or "archiver.append.duration" or "archiver.append.batch_size"))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((instrument, seconds, _, _) =>
            {
                if (instrument.Name == "archiver.append.duration")
                {
                    lock (_gate)
                    {
                        _appends++;
                        _appendSeconds += seconds;
                    }
                    return;
                }
                lock (_gate)
                    _lags?.Add(seconds * 1000);
            });
            _listener.SetMeasurementEventCallback<int>((_, events, _, _) => Interlocked.Add(ref _batchEvents, events));
            _listener.SetMeasurementEventCallback<long>((_, events, _, _) => Interlocked.Add(ref _appended, events));
            _listener.Start();
        }

        /// <summary>Every event the store appended (all streams).</summary>
        public long Appended => Interlocked.Read(ref _appended);

        /// <summary>The store's appends so far: how many, their total duration, the events they carried.</summary>
        public (long Appends, double Seconds, long Events) AppendTotals()
        {
            lock (_gate)
                return (_appends, _appendSeconds, Interlocked.Read(ref _batchEvents));
        }

        /// <summary>Starts collecting lags (ms), or stops and returns what was collected.</summary>
        public List<double> CollectLags(bool start)
        {
            lock (_gate)
            {
                var collected = _lags ?? [];
                _lags = start ? [] : null;
                return collected;
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
