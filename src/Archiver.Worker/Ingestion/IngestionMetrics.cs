using System.Diagnostics.Metrics;

namespace Archiver.Worker.Ingestion;

/// <summary>Meter <c>Archiver.Ingestion</c>: what the sessions receive and how long it takes to be committed.</summary>
public sealed class IngestionMetrics : IDisposable
{
    public const string MeterName = "Archiver.Ingestion";

    private readonly Meter _meter;
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _rejectedFrames;
    private readonly Counter<long> _lostItems;
    private readonly Counter<long> _appendRetries;

    private readonly TimeProvider _time;
    private long _pendingSince;

    public IngestionMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        _time = time;
        _meter = meterFactory.Create(MeterName);
        _lag = _meter.CreateHistogram<double>("archiver.ingestion.lag", "s", "Notification received → events committed");
        _rejectedFrames = _meter.CreateCounter<long>("archiver.frames.rejected", "{frame}",
            "Frames nothing of which could be archived as an event (not JSON, too deep, binary, oversized), by reason; kept in archive.rejections");
        _lostItems = _meter.CreateCounter<long>("archiver.items.lost", "{item}",
            "Received changes the store refused even as unmapped changes (should stay 0; each is logged as critical)");
        _appendRetries = _meter.CreateCounter<long>("archiver.append.retries", "{retry}", "Batch appends retried after a database failure");
    }

    public void RecordLag(TimeSpan lag) => _lag.Record(lag.TotalSeconds);

    /// <summary>A batch whose oldest notification arrived at <paramref name="receivedAt"/> is being appended (and retried).</summary>
    public void BatchPending(long receivedAt) => Interlocked.Exchange(ref _pendingSince, receivedAt);

    public void BatchCommitted() => Interlocked.Exchange(ref _pendingSince, 0);

    /// <summary>How long the oldest notification of the batch being appended has waited (zero when none is).</summary>
    public TimeSpan OldestUncommitted => Interlocked.Read(ref _pendingSince) is var since and not 0 ? _time.GetElapsedTime(since) : TimeSpan.Zero;

    public void FrameRejected(string reason) => _rejectedFrames.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ItemLost() => _lostItems.Add(1);

    public void AppendRetried() => _appendRetries.Add(1);

    public void Dispose() => _meter.Dispose();
}
