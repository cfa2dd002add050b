using Archiver.Domain.Events;
using Archiver.Worker.Store;
using Npgsql;

namespace Archiver.Worker.Tests.Store;

/// <summary>
/// Several writers with their own connections append overlapping batches at once. The tests share their class's
/// database, so each writes only streams of its own prefix and counts only those; what holds for the whole log
/// (gapless global positions, intact chains) is asserted of the whole log, which every test leaves in that state.
/// </summary>
public sealed class ConcurrentWritersTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    [Fact]
    public async Task Overlapping_writers_lose_nothing_duplicate_nothing_and_do_not_deadlock()
    {
        const int writers = 6, streams = 40, sequences = 50, batchesPerWriter = 30, batchSize = 120;
        var prefix = $"overlap-{Guid.NewGuid():N}"[..16];
        var everyKey = (from s in Enumerable.Range(0, streams) from q in Enumerable.Range(0, sequences) select (Stream: $"{prefix}-{s:D2}", Seq: q)).ToArray();
        var before = await database.ScalarAsync<long>("SELECT count(*) FROM archive.events");

        var results = await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            // Each writer is its own pool, as separate worker processes would be.
            await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
            var store = MigratedDatabase.CreateStore(dataSource);
            var random = new Random(w);
            var outcomes = new List<AppendOutcome>();
            for (var b = 0; b < batchesPerWriter; b++)
            {
                var batch = Enumerable.Range(0, batchSize)
                    .Select(_ => everyKey[random.Next(everyKey.Length)])
                    .Select(k => Events.Content(k.Stream, k.Seq))
                    .ToList();
                outcomes.AddRange((await store.AppendAsync(batch)).Outcomes);
            }
            // Finally every writer sends every key once: the archive must end up complete.
            foreach (var chunk in everyKey.Chunk(500))
                outcomes.AddRange((await store.AppendAsync(chunk.Select(k => Events.Content(k.Stream, k.Seq)).ToList())).Outcomes);
            return outcomes;
        })).WaitAsync(TimeSpan.FromMinutes(3));

        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(everyKey.Length, all.Count(o => o.Status == AppendStatus.Appended));
        Assert.Equal(0, all.Count(o => o.Status == AppendStatus.Conflict));
        Assert.Equal(all.Count - everyKey.Length, all.Count(o => o.Status == AppendStatus.Duplicate));

        // This test's streams hold every key once: nothing lost, nothing twice.
        var mine = $"stream_id LIKE '{prefix}-%'";
        Assert.Equal(everyKey.Length, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.events WHERE {mine}"));
        Assert.Equal(everyKey.Length, await database.ScalarAsync<long>($"SELECT count(DISTINCT (stream_id, position)) FROM archive.events WHERE {mine}"));
        Assert.Equal(streams, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.streams WHERE {mine}"));
        Assert.Equal(streams * (long)sequences, await database.ScalarAsync<long>($"SELECT sum(event_count)::bigint FROM archive.streams WHERE {mine}"));
        // The log grew by exactly those events, and global positions stayed gapless and commit-ordered: 1..N, N in log_head.
        var total = await database.ScalarAsync<long>("SELECT count(*) FROM archive.events");
        Assert.Equal(before + everyKey.Length, total);
        Assert.Equal(total, await database.ScalarAsync<long>("SELECT max(global_position) FROM archive.events"));
        Assert.Equal(total, await database.ScalarAsync<long>("SELECT last_position FROM archive.log_head"));
        Assert.Equal(total, await database.ScalarAsync<long>("SELECT sum(event_count)::bigint FROM archive.streams"));
        var report = await database.CreateVerifier().VerifyAsync();
        Assert.True(report.Intact, string.Join("\n", report.Findings));
        Assert.Equal(total, report.EventsChecked);
    }

    [Fact]
    public async Task Writers_racing_on_brand_new_streams_create_each_stream_once()
    {
        var prefix = Guid.NewGuid().ToString("N")[..8];
        var keys = Enumerable.Range(0, 200).Select(i => Events.Content($"{prefix}-{i:D3}", 0)).ToList();

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(async w =>
        {
            await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
            // Different orders on purpose: the store must impose its own lock order.
            var order = w % 2 == 0 ? keys : Enumerable.Reverse(keys).ToList();
            return await MigratedDatabase.CreateStore(dataSource).AppendAsync(order);
        }));

        Assert.Equal(200, results.Sum(r => r.Appended));
        Assert.Equal(600, results.Sum(r => r.Duplicates));
        Assert.Equal(200, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.streams WHERE stream_id LIKE '{prefix}-%'"));
        Assert.Equal(200, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.events WHERE stream_id LIKE '{prefix}-%'"));
        Assert.Equal(200, await database.ScalarAsync<long>($"SELECT sum(event_count)::bigint FROM archive.streams WHERE stream_id LIKE '{prefix}-%'"));
    }
}
