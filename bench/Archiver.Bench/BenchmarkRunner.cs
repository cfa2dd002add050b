using System.Text.Json;

namespace Archiver.Bench;

/// <summary>One benchmark's figures: the JSON object printed as the last line, for before/after comparison.</summary>
public sealed record BenchmarkResult(
    string Name, long Events, double Rate, double BaselineRate, double Ratio, double? P50 = null, double? P95 = null, double? P99 = null)
{
    /// <summary><c>console</c> only: p95 of the 1,000-message conversation page (ms).</summary>
    public double? ConversationP95 { get; init; }

    /// <summary><c>e2e</c>: the worker process's CPU (user + system) per messaging event archived, in µs.</summary>
    public double? WorkerCpuUsPerEvent { get; init; }

    /// <summary><c>e2e</c>: the same in the warm-up that precedes the measured phases (a fresh process: its JIT tiering included).</summary>
    public double? WorkerCpuUsPerEventWarmup { get; init; }

    /// <summary><c>e2e</c>: raw COPY, over parallel connections, of everything the archive wrote (events, transcript rows with search vectors, receipts).</summary>
    public double? LimitRate { get; init; }

    /// <summary><c>e2e</c>: rate / limitRate.</summary>
    public double? RatioToLimit { get; init; }

    /// <summary><c>fleet</c>: seconds until every consumer was connected and subscribed.</summary>
    public double? ConnectSeconds { get; init; }

    /// <summary><c>fleet</c>: seconds from the scenario's start until every event was committed.</summary>
    public double? ArchiveSeconds { get; init; }

    /// <summary><c>fleet</c>: the worker's resident set once idle after archiving (MiB).</summary>
    public double? RssMb { get; init; }

    /// <summary><c>fleet</c>: the worker's CPU while idle (every consumer connected, nothing to archive), in % of one core.</summary>
    public double? IdleCpuPercent { get; init; }

    /// <summary><c>fleet</c>: consumers the one worker held.</summary>
    public int? Consumers { get; init; }

    /// <summary><c>peers</c>: our rebuild's rate / Marten's (events/s).</summary>
    public double? RebuildRatio { get; init; }

    /// <summary><c>peers</c>: our transcript rebuild, events/s.</summary>
    public double? RebuildRate { get; init; }

    /// <summary><c>peers</c>: Marten's transcript projection rebuild, events/s.</summary>
    public double? MartenRebuildRate { get; init; }

    /// <summary><c>peers</c>: raw binary COPY of the events, events/s.</summary>
    public double? CopyRate { get; init; }

    /// <summary>The figures as printed: rates rounded, the ratio to 3 places, and p50/p95/p99 of the latencies (ms) when given.</summary>
    public static BenchmarkResult Of(string name, long events, double rate, double baselineRate, List<double>? latenciesMs = null)
    {
        latenciesMs?.Sort();
        double? At(double p) => latenciesMs is null ? null : Math.Round(BenchmarkRunner.Percentile(latenciesMs, p), 2);
        return new BenchmarkResult(name, events, Math.Round(rate), Math.Round(baselineRate), Math.Round(rate / baselineRate, 3), At(50), At(95), At(99));
    }
}

public static class BenchmarkRunner
{
    private static readonly Dictionary<string, Func<string[], CancellationToken, Task<BenchmarkResult>>> Benchmarks = new()
    {
        ["append"] = AppendBenchmark.RunAsync,
        ["simulator"] = SimulatorBenchmark.RunAsync,
        ["e2e"] = EndToEndBenchmark.RunAsync,
        ["rebuild"] = RebuildBenchmark.RunAsync,
        ["console"] = ConsoleBenchmark.RunAsync,
        ["fleet"] = FleetBenchmark.RunAsync,
        ["peers"] = PeersBenchmark.RunAsync,
    };

    private static readonly JsonSerializerOptions ResultJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var benchmark))
        {
            await Console.Error.WriteLineAsync($"usage: bench/run NAME [ARGS...]; NAME is one of: {string.Join(", ", Benchmarks.Keys)}");
            return 2;
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        if (Environment.GetEnvironmentVariable("ARCHIVER_BENCH_WARM_WAL") == "1")
            await WarmUpWalAsync();
        var result = await benchmark(args[1..], cancel.Token);
        Console.WriteLine(JsonSerializer.Serialize(result, ResultJson));
        return 0;
    }

    /// <summary>
    /// A new cluster has no WAL segments to recycle: whichever side of a comparison runs first would pay for creating
    /// and zeroing them (on this machine a third of a raw COPY's time) and the other would not. Writing and dropping
    /// 1.5 GB first, then a checkpoint, leaves both sides the recycled segments that a server in service has.
    /// </summary>
    private static async Task WarmUpWalAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            """
            CREATE TABLE bench_wal_warm_up AS SELECT g, repeat('x', 1000) AS filler FROM generate_series(1, 1500000) AS g;
            DROP TABLE bench_wal_warm_up;
            CHECKPOINT;
            """, connection) { CommandTimeout = 600 };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await command.ExecuteNonQueryAsync();
        await Console.Error.WriteLineAsync($"bench: WAL warmed up in {clock.Elapsed.TotalSeconds:F1} s");
    }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("ARCHIVER_BENCH_PG") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("ARCHIVER_BENCH_PG is not set: run benchmarks with bench/run NAME.");

    public static int IntArgument(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];
}
