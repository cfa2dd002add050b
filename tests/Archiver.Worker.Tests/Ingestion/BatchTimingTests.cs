using System.Diagnostics.Metrics;
using Archiver.Domain.Events;
using Archiver.Worker.Ingestion;
using Archiver.Worker.Observability;
using Archiver.Worker.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Tests.Ingestion;

/// <summary>How the writer closes a batch, on a clock the test moves: at MaxBatchEvents at once, else MaxBatchDelayMs after its first item.</summary>
public sealed class BatchTimingTests : IDisposable
{
    private readonly TimerSignallingTimeProvider _time = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly IOptions<IngestionOptions> _options = Options.Create(new IngestionOptions { MaxBatchEvents = 5, MaxBatchDelayMs = 50, ChannelCapacity = 100 });
    private readonly ArchiveChannel _channel;
    private readonly ArchiveWriter _writer;

    public BatchTimingTests()
    {
        _channel = new ArchiveChannel(_options);
        _writer = new ArchiveWriter(_channel, store: null!, _options, new IngestionMetrics(_services.GetRequiredService<IMeterFactory>(), _time), _time,
            new ServiceHealth(), NullLogger<ArchiveWriter>.Instance);
    }

    [Fact]
    public async Task A_batch_closes_the_delay_after_its_first_item_not_after_the_last()
    {
        await WriteAsync(events: 1);
        var collect = _writer.CollectAsync(CancellationToken.None);
        await TimerStartedAsync();

        _time.Advance(TimeSpan.FromMilliseconds(30));
        await WriteAsync(events: 1);
        await TimerStartedAsync(); // waits again, for what is left of the 50 ms
        _time.Advance(TimeSpan.FromMilliseconds(19));
        Assert.False(collect.IsCompleted, "closed before 50 ms after its first item");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await collect.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, _writer.Batch.Count);
    }

    [Fact]
    public async Task A_batch_closes_at_once_when_it_reaches_the_most_events_and_an_item_is_never_split()
    {
        await WriteAsync(events: 2);
        await WriteAsync(events: 2);
        await WriteAsync(events: 2); // 6 ≥ 5: the third item goes in whole
        await WriteAsync(events: 1);

        await _writer.CollectAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([2, 2, 2], _writer.Batch.Select(i => i.Events.Count));
        Assert.Equal(1, _channel.Count);
    }

    [Fact]
    public async Task With_nothing_received_no_time_closes_a_batch()
    {
        var collect = _writer.CollectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.False(collect.IsCompleted, "an empty batch closed");

        await WriteAsync(events: 1);
        await TimerStartedAsync();
        _time.Advance(TimeSpan.FromMilliseconds(50));
        await collect.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(_writer.Batch);
    }

    private ValueTask WriteAsync(int events) => _channel.WriteAsync(
        new ArchiveItem(Enumerable.Range(0, events).Select(i => new NewEvent("d", i, "ContentEvent", "{}")).ToList(), _time.GetTimestamp()),
        CancellationToken.None);

    private async Task TimerStartedAsync() =>
        Assert.True(await _time.TimerCreated.WaitAsync(TimeSpan.FromSeconds(10)), "the writer did not start waiting for the batch delay");

    public void Dispose()
    {
        _writer.Dispose();
        _services.Dispose();
    }
}
