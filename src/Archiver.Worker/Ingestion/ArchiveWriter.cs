using Archiver.Domain.Events;
using Archiver.Worker.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Archiver.Worker.Ingestion;

/// <summary>
/// Takes items off the channel and appends them in batches, one transaction per batch; an item's events are never
/// split across batches. While the database is down it retries with capped exponential backoff and jitter and stops
/// reading, so the channel fills and the sessions stop reading their sockets. On shutdown it drains the channel.
/// </summary>
public sealed partial class ArchiveWriter(
    ArchiveChannel channel,
    IEventStore store,
    IOptions<IngestionOptions> options,
    IngestionMetrics metrics,
    TimeProvider timeProvider,
    ILogger<ArchiveWriter> logger) : BackgroundService
{
    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder()
                .Handle<NpgsqlException>(e => e.IsTransient) // connection lost, server shutting down, …
                .Handle<EventStoreException>()
                .Handle<TimeoutException>()
                .Handle<IOException>()
                .Handle<System.Net.Sockets.SocketException>(),
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<ArchiveItem>();
        try
        {
            while (await channel.Reader.WaitToReadAsync(stoppingToken))
            {
                await CollectAsync(batch, stoppingToken);
                await AppendAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the sessions have stopped reading; archive what they handed over.
        }

        while (channel.Reader.TryRead(out var item))
        {
            batch.Add(item);
            if (batch.Sum(i => i.Events.Count) >= options.Value.MaxBatchEvents)
            {
                await AppendAsync(batch, CancellationToken.None);
                batch.Clear();
            }
        }
        if (batch.Count > 0)
            await AppendAsync(batch, CancellationToken.None);
        Drained(logger);
    }

    private async Task CollectAsync(List<ArchiveItem> batch, CancellationToken stoppingToken)
    {
        var max = options.Value.MaxBatchEvents;
        var delay = TimeSpan.FromMilliseconds(options.Value.MaxBatchDelayMs);
        var started = timeProvider.GetTimestamp();
        var events = 0;
        while (events < max)
        {
            if (channel.Reader.TryRead(out var item))
            {
                batch.Add(item);
                events += item.Events.Count;
                continue;
            }
            var remaining = delay - timeProvider.GetElapsedTime(started);
            if (batch.Count > 0 && remaining <= TimeSpan.Zero)
                break;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            if (batch.Count > 0)
                wait.CancelAfter(remaining);
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

    private async Task AppendAsync(List<ArchiveItem> batch, CancellationToken stoppingToken)
    {
        if (batch.Count == 0)
            return;
        var events = batch.SelectMany(i => i.Events).ToList();
        metrics.BatchPending(batch.Min(i => i.ReceivedAt));
        AppendResult result;
        try
        {
            // The append itself is not cancelled at shutdown (it is short and bounded by the command timeout); only the
            // waits between retries are.
            result = await _retry.ExecuteAsync(async _ => await store.AppendAsync(events, CancellationToken.None), stoppingToken);
        }
        catch (ArgumentException)
        {
            result = await AppendOneByOneAsync(batch);
        }

        metrics.BatchCommitted();
        var now = timeProvider.GetTimestamp();
        foreach (var item in batch)
            metrics.RecordLag(timeProvider.GetElapsedTime(item.ReceivedAt, now));
        BatchArchived(logger, batch.Count, result.Appended, result.Duplicates, result.Conflicts);
    }

    /// <summary>A batch the store refused as bad input: find the item at fault, keep the rest.</summary>
    private async Task<AppendResult> AppendOneByOneAsync(List<ArchiveItem> batch)
    {
        var outcomes = new List<AppendOutcome>();
        foreach (var item in batch)
        {
            try
            {
                outcomes.AddRange((await _retry.ExecuteAsync(async _ => await store.AppendAsync(item.Events, CancellationToken.None))).Outcomes);
            }
            catch (ArgumentException e)
            {
                metrics.FrameRejected("unarchivable");
                ItemRefused(logger, item.Events.Count, e.Message);
            }
        }
        return new AppendResult(outcomes);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Archived {Items} item(s): {Appended} new, {Duplicates} duplicate(s), {Conflicts} conflict(s)")]
    private static partial void BatchArchived(ILogger logger, int items, int appended, int duplicates, int conflicts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The archive is not reachable (attempt {Attempt}); retrying in {DelayMs:F0} ms: {Reason}")]
    private static partial void AppendRetrying(ILogger logger, int attempt, double delayMs, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused {Events} event(s) of one received change as unarchivable: {Reason}")]
    private static partial void ItemRefused(ILogger logger, int events, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingestion drained: everything received has been archived")]
    private static partial void Drained(ILogger logger);
}
