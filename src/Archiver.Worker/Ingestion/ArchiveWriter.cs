using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Protocol;
using Archiver.Worker.Observability;
using Archiver.Worker.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Archiver.Worker.Ingestion;

/// <summary>
/// Takes items off the channel and appends them in batches, one transaction per batch; an item's events are never split
/// across batches. While the database is unavailable it retries with capped exponential backoff and jitter and stops
/// reading, so the channel fills and the sessions stop reading their sockets. A batch the store refuses for its content
/// is appended item by item, so one bad item never holds back the others, and an item refused even alone is archived
/// in its consumer's unrecognised stream instead (docs/ingestion.md). On shutdown it drains the channel.
/// </summary>
public sealed partial class ArchiveWriter(
    ArchiveChannel channel,
    IEventStore store,
    IOptions<IngestionOptions> options,
    IngestionMetrics metrics,
    TimeProvider time,
    ServiceHealth health,
    ILogger<ArchiveWriter> logger) : SupervisedService(time, logger, health)
{
    /// <summary>The batch being appended: kept across a restart of the service, so nothing taken off the channel is lost.</summary>
    private readonly List<ArchiveItem> _batch = [];

    private ResiliencePipeline? _retry;

    public override string Name => "ingestion writer";

    private ResiliencePipeline Retry => _retry ??= new ResiliencePipelineBuilder { TimeProvider = Time }
        .AddRetry(new RetryStrategyOptions
        {
            // Content is never retried (it would fail the same way forever); everything else is the database's moment.
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && !StoreFailures.IsContent(e)
                                                        && e is not OperationCanceledException),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(5),
            OnRetry = args =>
            {
                metrics.AppendRetried();
                AppendRetrying(logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "");
                return default;
            },
        })
        .Build();

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (_batch.Count > 0)
                await AppendAsync(stoppingToken); // what a failed run had taken off the channel
            while (await channel.Reader.WaitToReadAsync(stoppingToken))
            {
                await CollectAsync(stoppingToken);
                await AppendAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the sessions have stopped reading; archive what they handed over.
        }

        while (channel.Reader.TryRead(out var item))
        {
            _batch.Add(item);
            if (_batch.Sum(i => i.Events.Count) >= options.Value.MaxBatchEvents)
                await AppendAsync(CancellationToken.None);
        }
        await AppendAsync(CancellationToken.None);
        Drained(logger);
    }

    /// <summary>Fills the batch: up to MaxBatchEvents, or until MaxBatchDelayMs after its first item (on the injected clock).</summary>
    internal async Task CollectAsync(CancellationToken stoppingToken)
    {
        var max = options.Value.MaxBatchEvents;
        var delay = TimeSpan.FromMilliseconds(options.Value.MaxBatchDelayMs);
        long? first = _batch.Count > 0 ? Time.GetTimestamp() : null;
        var events = _batch.Sum(i => i.Events.Count);
        while (events < max)
        {
            if (channel.Reader.TryRead(out var item))
            {
                first ??= Time.GetTimestamp();
                _batch.Add(item);
                events += item.Events.Count;
                continue;
            }
            if (first is null)
            {
                if (!await channel.Reader.WaitToReadAsync(stoppingToken))
                    break;
                continue;
            }
            var remaining = delay - Time.GetElapsedTime(first.Value);
            if (remaining <= TimeSpan.Zero)
                break;
            using var timeout = new CancellationTokenSource(remaining, Time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
            try
            {
                if (!await channel.Reader.WaitToReadAsync(wait.Token))
                    break;
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
    }

    /// <summary>The items collected so far (for tests of the batching).</summary>
    internal IReadOnlyList<ArchiveItem> Batch => _batch;

    private async Task AppendAsync(CancellationToken stoppingToken)
    {
        if (_batch.Count == 0)
            return;
        metrics.BatchPending(_batch.Min(i => i.ReceivedAt));
        AppendResult result;
        try
        {
            // The append itself is not cancelled at shutdown (it is short and bounded by the command timeout); only the
            // waits between retries are.
            var events = _batch.SelectMany(i => i.Events).ToList();
            var rejections = _batch.SelectMany(i => i.FrameRejections).ToList();
            result = await Retry.ExecuteAsync(async _ => await store.AppendAsync(events, rejections, CancellationToken.None), stoppingToken);
        }
        catch (Exception e) when (StoreFailures.IsContent(e))
        {
            BatchIsolated(logger, _batch.Count, e.GetType().Name);
            result = await AppendOneByOneAsync(stoppingToken);
        }

        metrics.BatchCommitted();
        var now = Time.GetTimestamp();
        foreach (var item in _batch)
        {
            metrics.RecordLag(Time.GetElapsedTime(item.ReceivedAt, now));
            item.Committed?.Invoke();
        }
        BatchArchived(logger, _batch.Count, result.Appended, result.Duplicates, result.Conflicts);
        _batch.Clear();
    }

    /// <summary>A batch the store refused for its content: each item alone, so one bad item holds back no other.</summary>
    private async Task<AppendResult> AppendOneByOneAsync(CancellationToken stoppingToken)
    {
        var outcomes = new List<AppendOutcome>();
        foreach (var item in _batch)
        {
            try
            {
                outcomes.AddRange((await Retry.ExecuteAsync(async _ => await store.AppendAsync(item.Events, item.FrameRejections, CancellationToken.None), stoppingToken)).Outcomes);
            }
            catch (Exception e) when (StoreFailures.IsContent(e))
            {
                outcomes.AddRange(await AppendAsUnmappedAsync(item, e, stoppingToken));
            }
        }
        return new AppendResult(outcomes);
    }

    /// <summary>
    /// An item the store refuses even alone (which the mapping is built to make impossible): its events' bodies are
    /// archived as received in the consumer's unrecognised stream, with the reason. Only if even that is refused is the
    /// item lost, and then loudly.
    /// </summary>
    private async Task<IReadOnlyList<AppendOutcome>> AppendAsUnmappedAsync(ArchiveItem item, Exception failure, CancellationToken stoppingToken)
    {
        var issue = ArchiveIssue.Of(IssueReasons.MappingFailed, $"the store refused the mapped events ({failure.GetType().Name}: {failure.Message})");
        var consumer = item.ConsumerName ?? "worker";
        var fallback = item.Events.Select(e => ArchiveMapping.Unmapped(consumer, e.Body, issue)).ToList();
        try
        {
            ItemUnmapped(logger, item.Events.Count, consumer, issue.Detail);
            return (await Retry.ExecuteAsync(async _ => await store.AppendAsync(fallback, item.FrameRejections, CancellationToken.None), stoppingToken)).Outcomes;
        }
        catch (Exception e) when (StoreFailures.IsContent(e))
        {
            metrics.ItemLost();
            var why = e.GetType().Name;
            ItemLost(logger, item.Events.Count, consumer, why);
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Archived {Items} item(s): {Appended} new, {Duplicates} duplicate(s), {Conflicts} conflict(s)")]
    private static partial void BatchArchived(ILogger logger, int items, int appended, int duplicates, int conflicts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The archive is not reachable (attempt {Attempt}); retrying in {DelayMs:F0} ms: {Reason}")]
    private static partial void AppendRetrying(ILogger logger, int attempt, double delayMs, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store refused a batch of {Items} item(s) for its content ({Failure}); appending them one by one")]
    private static partial void BatchIsolated(ILogger logger, int items, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "The store refused {Events} event(s) of consumer {Consumer} even alone; archiving them as unmapped changes: {Reason}")]
    private static partial void ItemUnmapped(ILogger logger, int events, string consumer, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "LOST {Events} event(s) of consumer {Consumer}: the store refused them even as unmapped changes ({Failure})")]
    private static partial void ItemLost(ILogger logger, int events, string consumer, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingestion drained: everything received has been archived")]
    private static partial void Drained(ILogger logger);
}
