using System.Diagnostics.Metrics;

namespace Archiver.Worker.Ingestion;

/// <summary>Meter <c>Archiver.Ingestion</c>: what the sessions receive and how long it takes to be committed.</summary>
public sealed class IngestionMetrics : IDisposable
{
    public const string MeterName = "Archiver.Ingestion";

    private readonly Meter _meter;
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _rejectedFrames;
    private readonly Counter<long> _rejectedChanges;
    private readonly Counter<long> _appendRetries;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _lag = _meter.CreateHistogram<double>("archiver.ingestion.lag", "s", "Notification received → events committed");
        _rejectedFrames = _meter.CreateCounter<long>("archiver.frames.rejected", "{frame}", "Frames that were not usable (malformed, oversized)");
        _rejectedChanges = _meter.CreateCounter<long>("archiver.changes.rejected", "{change}", "Changes without the keys the archive needs");
        _appendRetries = _meter.CreateCounter<long>("archiver.append.retries", "{retry}", "Batch appends retried after a database failure");
    }

    public void RecordLag(TimeSpan lag) => _lag.Record(lag.TotalSeconds);

    public void FrameRejected(string reason) => _rejectedFrames.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ChangeRejected() => _rejectedChanges.Add(1);

    public void AppendRetried() => _appendRetries.Add(1);

    public void Dispose() => _meter.Dispose();
}
