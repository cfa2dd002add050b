using System.Diagnostics;
using Archiver.Worker.Projections;
using Npgsql;

namespace Archiver.Bench;

/// <summary>
/// <c>bench/run rebuild</c>: every read model rebuilt from 1,000,000 archived events (<c>archiver projections rebuild</c>'s
/// code: one transaction, pages of 10,000 events through the inline projections), against the baseline of raw binary
/// COPY of the same events, in the same run. Latencies are per page.
/// </summary>
/// <remarks>
/// Both sides get the same footing. The archive is loaded first, so the baseline does not pay for creating the WAL
/// segments that the rebuild then finds recycled (on a fresh cluster that alone made the baseline a third slower). The
/// generated events are released before the rebuild, which then runs in a process holding only what
/// <c>archiver projections rebuild</c> would hold, not a million unrelated objects for the garbage collector to trace.
/// </remarks>
public static class RebuildBenchmark
{
    public static async Task<BenchmarkResult> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var count = BenchmarkRunner.IntArgument(args, "--events", 1_000_000);
        await using var copyDatabase = await BenchDatabase.CreateAsync("copy");
        await using var archive = await BenchDatabase.CreateAsync("rebuild");
        var (copySeconds, expectedMessages) = await LoadAndCopyAsync(count, archive, copyDatabase, cancellationToken);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);

        await archive.CheckpointAsync();
        var rebuilder = new ProjectionRebuilder(archive.DataSource, [new TranscriptProjection(), new ReadModelsProjection(), new AgentsProjection()], TimeProvider.System);
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
            if (messages != expectedMessages)
                throw new InvalidOperationException($"The rebuild produced {messages} transcript rows, expected {expectedMessages}.");
        }

        return BenchmarkResult.Of("rebuild", rebuilt, rebuilt / seconds, count / copySeconds, pages);
    }

    /// <summary>
    /// Generates the events, loads them into the archive (untimed, with the log head where the store would have left
    /// it), then times the baseline: the same events COPYed raw into a fresh database, in transactions of a rebuild page.
    /// </summary>
    private static async Task<(double CopySeconds, long Messages)> LoadAndCopyAsync(
        int count, BenchDatabase archive, BenchDatabase copyDatabase, CancellationToken cancellationToken)
    {
        var events = LivePersonTraffic.Generate(count);
        var rows = RawCopy.Rows(events);
        Console.Error.WriteLine($"rebuild: {events.Count:N0} events (text messages from both sides and read receipts)");

        foreach (var chunk in rows.Chunk(50_000))
            await RawCopy.CopyAsync(archive, chunk, cancellationToken);
        await using (var head = archive.DataSource.CreateCommand($"UPDATE archive.log_head SET last_position = {rows.Count}"))
            await head.ExecuteNonQueryAsync(cancellationToken);
        await archive.CheckpointAsync();

        await copyDatabase.CheckpointAsync();
        var copyClock = Stopwatch.StartNew();
        foreach (var chunk in rows.Chunk(ProjectionRebuilder.PageSize))
            await RawCopy.CopyAsync(copyDatabase, chunk, cancellationToken);
        var copySeconds = copyClock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"rebuild: raw COPY {copySeconds:F2} s, {events.Count / copySeconds:N0} events/s");
        return (copySeconds, events.LongCount(e => e.Type == "ContentEvent"));
    }

    /// <summary>Progress reported inline (Progress&lt;T&gt; would post to the thread pool and time nothing useful).</summary>
    private sealed class SynchronousProgress(Action<ProjectionRebuilder.Progress> report) : IProgress<ProjectionRebuilder.Progress>
    {
        public void Report(ProjectionRebuilder.Progress value) => report(value);
    }
}
