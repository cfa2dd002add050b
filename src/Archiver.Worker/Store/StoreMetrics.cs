using System.Diagnostics.Metrics;

namespace Archiver.Worker.Store;

/// <summary>The store's counters and histograms (meter <c>Archiver.Store</c>), exported by the host's metrics pipeline.</summary>
public sealed class StoreMetrics : IDisposable
{
    public const string MeterName = "Archiver.Store";

    private readonly Meter _meter;
    private readonly Counter<long> _appended;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _conflicts;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _appendDuration;
    private readonly Counter<long> _rejections;

    public StoreMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _appended = _meter.CreateCounter<long>("archiver.events.appended", "{event}", "Events stored");
        _duplicates = _meter.CreateCounter<long>("archiver.events.duplicates", "{event}", "Events already stored with the same content");
        _conflicts = _meter.CreateCounter<long>("archiver.events.conflicts", "{event}", "Events rejected: key stored with different content");
        _batchSize = _meter.CreateHistogram<int>("archiver.append.batch_size", "{event}", "Events per append transaction");
        _appendDuration = _meter.CreateHistogram<double>("archiver.append.duration", "s", "Append transaction duration");
        _rejections = _meter.CreateCounter<long>("archiver.rejections", "{rejection}",
            "Changes archived but not mapped or projected exactly as received, and frames not archivable as events (archive.rejections), by stage and reason");
    }

    public void RecordAppend(AppendResult result, TimeSpan elapsed)
    {
        _appended.Add(result.Appended);
        _duplicates.Add(result.Duplicates);
        _conflicts.Add(result.Conflicts);
        _batchSize.Record(result.Outcomes.Count);
        _appendDuration.Record(elapsed.TotalSeconds);
    }

    /// <summary>Counted once per record, when it is first written; the reason is one of a closed set (IssueReasons).</summary>
    public void RejectionRecorded(RejectionRecord rejection) => _rejections.Add(1,
        new KeyValuePair<string, object?>("stage", rejection.StageName), new KeyValuePair<string, object?>("reason", rejection.Issue.Reason));

    public void Dispose() => _meter.Dispose();
}
