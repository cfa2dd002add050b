using System.Diagnostics;
using System.Diagnostics.Metrics;
using Archiver.Domain.Events;
using Archiver.Domain.Hashing;
using Archiver.Worker.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NpgsqlTypes;

namespace Archiver.Bench;

/// <summary>
/// <c>bench/run append</c>: LivePerson-shaped events through <see cref="PostgresEventStore.AppendAsync"/> in batches,
/// against the baseline of raw binary COPY of the very same rows (same columns, values and hashes, same batch
/// transactions) into the same schema, each on a fresh database of one server, in one run.
/// </summary>
public static class AppendBenchmark
{
    public static async Task<BenchmarkResult> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var count = BenchmarkRunner.IntArgument(args, "--events", 1_000_000);
        var batchSize = BenchmarkRunner.IntArgument(args, "--batch", 5_000);

        var events = LivePersonTraffic.Generate(count);
        var batches = events.Chunk(batchSize).ToList();
        var rows = RawCopy.Rows(batches.SelectMany(b => b));
        Console.Error.WriteLine($"append: {events.Count:N0} events in {batches.Count} batches of {batchSize}, " +
                                $"{events.Sum(e => (long)e.Body.Length) / events.Count} chars per body on average");

        await using var copyDatabase = await BenchDatabase.CreateAsync("copy");
        await using var storeDatabase = await BenchDatabase.CreateAsync("store");

        await copyDatabase.CheckpointAsync();
        var copyClock = Stopwatch.StartNew();
        foreach (var chunk in rows.Chunk(batchSize))
            await RawCopy.CopyAsync(copyDatabase, chunk, cancellationToken);
        var copySeconds = copyClock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"append: raw COPY {copySeconds:F2} s, {events.Count / copySeconds:N0} events/s");

        await storeDatabase.CheckpointAsync();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        // --projections: the worker's inline read models in every append transaction, as the worker runs them.
        IInlineProjection[] projections = args.Contains("--projections")
            ? [new Archiver.Worker.Projections.TranscriptProjection(), new Archiver.Worker.Projections.ReadModelsProjection(), new Archiver.Worker.Projections.AgentsProjection()]
            : args.Contains("--transcript") ? [new Archiver.Worker.Projections.TranscriptProjection()]
            : args.Contains("--readmodels") ? [new Archiver.Worker.Projections.ReadModelsProjection()]
            : [];
        var store = new PostgresEventStore(storeDatabase.DataSource, projections, TimeProvider.System,
            new StoreMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger<PostgresEventStore>.Instance);
        var latencies = new List<double>(batches.Count);
        var (ownCpu, postgresCpu) = (Process.GetCurrentProcess().TotalProcessorTime, EndToEndBenchmark.PostgresCpuSeconds());
        var storeClock = Stopwatch.StartNew();
        foreach (var batch in batches)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await store.AppendAsync(batch, cancellationToken);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (result.Appended != batch.Length)
                throw new InvalidOperationException($"Expected {batch.Length} new events, the store appended {result.Appended}.");
        }
        var storeSeconds = storeClock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"append: store batch append {storeSeconds:F2} s, {events.Count / storeSeconds:N0} events/s; CPU in use: " +
                                $"this process (the store's client side) {(Process.GetCurrentProcess().TotalProcessorTime - ownCpu).TotalSeconds / storeSeconds:F2} cores, " +
                                $"postgres {(EndToEndBenchmark.PostgresCpuSeconds() - postgresCpu) / storeSeconds:F2} cores");

        await AssertCountAsync(copyDatabase, events.Count);
        await AssertCountAsync(storeDatabase, events.Count);

        return BenchmarkResult.Of(projections.Length > 0 ? "append+projections" : "append", events.Count, events.Count / storeSeconds,
            events.Count / copySeconds, latencies);
    }

    private static async Task AssertCountAsync(BenchDatabase database, long expected)
    {
        await using var command = database.DataSource.CreateCommand("SELECT count(*) FROM archive.events");
        var actual = (long)(await command.ExecuteScalarAsync())!;
        if (actual != expected)
            throw new InvalidOperationException($"{database.Name} holds {actual} events, expected {expected}.");
    }
}
