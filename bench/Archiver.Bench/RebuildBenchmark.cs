using System.Diagnostics;
using Archiver.Worker.Projections;
using Npgsql;

namespace Archiver.Bench;

/// <summary>
/// <c>bench/run rebuild</c>: every read model rebuilt from 1,000,000 archived events (<c>archiver projections rebuild</c>'s
/// code: one transaction, pages of 10,000 events through the inline projections), against the baseline of raw binary
/// COPY of the same events, in the same run. Latencies are per page.
/// </summary>
public static class RebuildBenchmark
{
    public static async Task<BenchmarkResult> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var count = BenchmarkRunner.IntArgument(args, "--events", 1_000_000);
        var events = LivePersonTraffic.Generate(count);
        var rows = RawCopy.Rows(events);
        Console.Error.WriteLine($"rebuild: {events.Count:N0} events (text messages from both sides and read receipts)");

        await using var copyDatabase = await BenchDatabase.CreateAsync("copy");
        await using var archive = await BenchDatabase.CreateAsync("rebuild");

        // Baseline: the same events COPYed raw, in transactions of a rebuild page.
        await copyDatabase.CheckpointAsync();
        var copyClock = Stopwatch.StartNew();
        foreach (var chunk in rows.Chunk(ProjectionRebuilder.PageSize))
            await RawCopy.CopyAsync(copyDatabase, chunk, cancellationToken);
        var copySeconds = copyClock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"rebuild: raw COPY {copySeconds:F2} s, {events.Count / copySeconds:N0} events/s");

        // The archive to rebuild from (loaded untimed), with the log head where the store would have left it.
        foreach (var chunk in rows.Chunk(50_000))
            await RawCopy.CopyAsync(archive, chunk, cancellationToken);
        await using (var head = archive.DataSource.CreateCommand($"UPDATE archive.log_head SET last_position = {rows.Count}"))
            await head.ExecuteNonQueryAsync(cancellationToken);
        await archive.CheckpointAsync();

        var rebuilder = new ProjectionRebuilder(archive.DataSource, [new TranscriptProjection(), new ReadModelsProjection(), new AgentsProjection()]);
        var pages = new List<double>();
        var last = Stopwatch.GetTimestamp();
        var clock = Stopwatch.StartNew();
        var rebuilt = await rebuilder.RebuildAsync(new SynchronousProgress(_ =>
        {
            var now = Stopwatch.GetTimestamp();
            pages.Add(Stopwatch.GetElapsedTime(last, now).TotalMilliseconds);
            last = now;
        }), cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"rebuild: {rebuilt:N0} events in {seconds:F2} s, {rebuilt / seconds:N0} events/s");

        await using (var check = archive.DataSource.CreateCommand("SELECT count(*) FROM readmodel.transcript_messages"))
        {
            var messages = (long)(await check.ExecuteScalarAsync(cancellationToken))!;
            var expected = events.LongCount(e => e.Type == "ContentEvent");
            if (messages != expected)
                throw new InvalidOperationException($"The rebuild produced {messages} transcript rows, expected {expected}.");
        }

        return BenchmarkResult.Of("rebuild", rebuilt, rebuilt / seconds, events.Count / copySeconds, pages);
    }

    /// <summary>Progress reported inline (Progress&lt;T&gt; would post to the thread pool and time nothing useful).</summary>
    private sealed class SynchronousProgress(Action<ProjectionRebuilder.Progress> report) : IProgress<ProjectionRebuilder.Progress>
    {
        public void Report(ProjectionRebuilder.Progress value) => report(value);
    }
}
