using Archiver.Domain.Events;
using Archiver.Worker.Store;

namespace Archiver.Worker.Tests.Store;

/// <summary>
/// What every <see cref="IEventStore"/> must do. An implementation's test class derives from this and supplies a fresh,
/// empty store per test class (e.g. a Marten adapter would pass exactly these cases).
/// </summary>
public abstract class EventStoreConformanceTests
{
    protected abstract IEventStore Store { get; }

    /// <summary>The conflicts the implementation has recorded for a stream, where an operator can see them.</summary>
    protected abstract Task<IReadOnlyList<(long Position, string Body)>> RecordedConflictsAsync(string streamId);

    private static string NewStream() => Guid.NewGuid().ToString();

    [Fact]
    public async Task Appends_a_batch_and_reads_it_back_in_position_order()
    {
        var dialog = NewStream();
        var result = await Store.AppendAsync([Events.Content(dialog, 2), Events.Content(dialog, 0), Events.Content(dialog, 1)]);

        Assert.Equal(3, result.Appended);
        var stored = await ToListAsync(Store.ReadStreamAsync(dialog));
        Assert.Equal([0L, 1L, 2L], stored.Select(e => e.Position));
        Assert.Equal(Events.Content(dialog, 1).Body, stored[1].Body);
        Assert.Equal("ContentEvent", stored[1].Type);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1477840831163), stored[1].ServerTimestamp);
    }

    [Fact]
    public async Task Re_appending_the_same_event_is_a_duplicate_and_writes_nothing()
    {
        var dialog = NewStream();
        var first = await Store.AppendAsync([Events.Content(dialog, 0), Events.Content(dialog, 1)]);
        var again = await Store.AppendAsync([Events.Content(dialog, 0), Events.Content(dialog, 1), Events.Content(dialog, 2)]);

        Assert.Equal([AppendStatus.Duplicate, AppendStatus.Duplicate, AppendStatus.Appended], again.Outcomes.Select(o => o.Status));
        Assert.Equal(first.Outcomes[0].GlobalPosition, again.Outcomes[0].GlobalPosition);
        Assert.Equal(3, (await ToListAsync(Store.ReadStreamAsync(dialog))).Count);
    }

    [Fact]
    public async Task The_same_content_with_other_key_order_and_spacing_is_a_duplicate()
    {
        var dialog = NewStream();
        await Store.AppendAsync([Events.Content(dialog, 0)]);
        var reordered = new NewEvent(dialog, 0, "ContentEvent",
            $$"""{ "dialogId": "{{dialog}}", "event": {"contentType":"text/plain","message":"hello","type":"ContentEvent"}, "serverTimestamp": 1477840831162, "originatorId":"734d9867-40e3-52b9-a401-07e877676d64", "sequence": 0 }""");

        var result = await Store.AppendAsync([reordered]);

        Assert.Equal(AppendStatus.Duplicate, Assert.Single(result.Outcomes).Status);
        Assert.Empty(await RecordedConflictsAsync(dialog));
    }

    [Fact]
    public async Task A_different_event_at_a_stored_key_is_rejected_recorded_and_never_written_over()
    {
        var dialog = NewStream();
        var original = Events.Content(dialog, 5, "what the consumer said");
        await Store.AppendAsync([original]);

        var forged = Events.Content(dialog, 5, "something else");
        var result = await Store.AppendAsync([forged, Events.Content(dialog, 6)]);

        Assert.Equal([AppendStatus.Conflict, AppendStatus.Appended], result.Outcomes.Select(o => o.Status));
        var stored = await ToListAsync(Store.ReadStreamAsync(dialog));
        Assert.Equal(original.Body, stored.Single(e => e.Position == 5).Body);
        var conflict = Assert.Single(await RecordedConflictsAsync(dialog));
        Assert.Equal(5, conflict.Position);
        Assert.Contains("something else", conflict.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicates_and_conflicts_inside_one_batch_are_recognised()
    {
        var dialog = NewStream();
        var result = await Store.AppendAsync(
            [Events.Content(dialog, 0), Events.Content(dialog, 0), Events.Content(dialog, 0, "changed")]);

        Assert.Equal([AppendStatus.Appended, AppendStatus.Duplicate, AppendStatus.Conflict], result.Outcomes.Select(o => o.Status));
        Assert.All(result.Outcomes, o => Assert.Equal(result.Outcomes[0].GlobalPosition, o.GlobalPosition));
        Assert.Single(await ToListAsync(Store.ReadStreamAsync(dialog)));
    }

    [Fact]
    public async Task Sequences_may_have_holes_and_late_events_fill_them()
    {
        var dialog = NewStream();
        await Store.AppendAsync([Events.Content(dialog, 0), Events.Content(dialog, 3)]);
        Assert.Equal(3, (await Store.GetMaxPositionsAsync([dialog]))[dialog]);

        var late = await Store.AppendAsync([Events.Content(dialog, 1)]);

        Assert.Equal(AppendStatus.Appended, Assert.Single(late.Outcomes).Status);
        Assert.Equal([0L, 1L, 3L], (await ToListAsync(Store.ReadStreamAsync(dialog))).Select(e => e.Position));
        Assert.Equal(3, (await Store.GetMaxPositionsAsync([dialog]))[dialog]);
    }

    [Fact]
    public async Task Store_assigned_positions_count_up_and_a_repeated_state_is_not_appended_again()
    {
        var conversation = NewStream();
        var first = await Store.AppendAsync([Events.Metadata(conversation, "OPEN", 1000), Events.Metadata(conversation, "OPEN", 2000)]);
        // After a resubscribe the server repeats the current state; a later batch brings a new one.
        var second = await Store.AppendAsync([Events.Metadata(conversation, "OPEN", 2000), Events.Metadata(conversation, "CLOSE", 3000)]);

        Assert.Equal([0L, 1L], first.Outcomes.Select(o => o.Position));
        Assert.Equal([AppendStatus.Duplicate, AppendStatus.Appended], second.Outcomes.Select(o => o.Status));
        Assert.Equal([1L, 2L], second.Outcomes.Select(o => o.Position));
        Assert.Equal(3, (await ToListAsync(Store.ReadStreamAsync(conversation))).Count);
    }

    [Fact]
    public async Task A_batch_across_a_thousand_streams_is_appended_in_one_go()
    {
        var prefix = NewStream();
        var batch = Enumerable.Range(0, 1000)
            .SelectMany(s => Enumerable.Range(0, 3).Select(seq => Events.Content($"{prefix}-{s:D4}", seq)))
            .ToList();

        var result = await Store.AppendAsync(batch);

        Assert.Equal(3000, result.Appended);
        var streams = batch.Select(e => e.StreamId).Distinct().ToList();
        var heads = await Store.GetMaxPositionsAsync(streams);
        Assert.Equal(1000, heads.Count);
        Assert.All(heads.Values, max => Assert.Equal(2, max));
        var positions = result.Outcomes.Select(o => o.GlobalPosition).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 3000).Select(i => positions[0] + i), positions);
    }

    [Fact]
    public async Task Reading_the_whole_log_pages_through_gapless_global_positions()
    {
        var dialog = NewStream();
        var appended = await Store.AppendAsync(Enumerable.Range(0, 25).Select(i => Events.Content(dialog, i)).ToList());
        var from = appended.Outcomes.Min(o => o.GlobalPosition) - 1;

        var seen = new List<long>();
        for (var after = from; ;)
        {
            var page = await Store.ReadAllAsync(after, 10);
            var mine = page.Where(e => e.StreamId == dialog).ToList();
            if (mine.Count == 0)
                break;
            seen.AddRange(mine.Select(e => e.GlobalPosition));
            after = page[^1].GlobalPosition;
        }

        Assert.Equal(appended.Outcomes.Select(o => o.GlobalPosition).Order(), seen);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => from + 1 + i), seen);
    }

    [Fact]
    public async Task Bodies_are_kept_exactly_as_received_including_unknown_fields_and_spacing()
    {
        var dialog = NewStream();
        var verbatim = $$"""{"sequence":0,  "dialogId":"{{dialog}}","unknownField":{"x":[1,2,3]},"event":{"type":"ContentEvent","message":"caf\u00e9 ☕ \u0000 日本","contentType":"text/plain"} }""";

        await Store.AppendAsync([new NewEvent(dialog, 0, "ContentEvent", verbatim)]);

        Assert.Equal(verbatim, Assert.Single(await ToListAsync(Store.ReadStreamAsync(dialog))).Body);
    }

    [Fact]
    public async Task Bad_input_is_refused_with_a_clear_error_and_nothing_is_written()
    {
        var dialog = NewStream();

        var notJson = await Assert.ThrowsAsync<ArgumentException>(() =>
            Store.AppendAsync([Events.Content(dialog, 0), new NewEvent(dialog, 1, "ContentEvent", "{not json")]));
        Assert.Contains("not one JSON value", notJson.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.AppendAsync([new NewEvent(dialog, -1, "ContentEvent", "{}")]));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.AppendAsync([new NewEvent("", 0, "ContentEvent", "{}")]));

        Assert.Empty(await ToListAsync(Store.ReadStreamAsync(dialog)));
    }

    protected static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
            list.Add(item);
        return list;
    }
}
