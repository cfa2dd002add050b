using Archiver.Domain.Events;

namespace Archiver.Worker.Store;

/// <summary>
/// The archive's event store. Small on purpose: any implementation (this one on Npgsql, a Marten adapter) must
/// pass the conformance suite in tests/Archiver.Worker.Tests/Store/EventStoreConformanceTests.cs.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Appends a batch across any number of streams in one transaction, with the inline projections. Idempotent:
    /// an event whose key is already stored with the same content is reported as a duplicate; with different
    /// content it is rejected, recorded as a conflict and reported — never written over.
    /// </summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// The same, and in the same transaction records <paramref name="frameRejections"/> (frames nothing of which could be
    /// archived as an event) and the issues the events carry or their projection finds, in archive.rejections.
    /// </summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, IReadOnlyList<RejectionRecord> frameRejections, CancellationToken cancellationToken = default);

    /// <summary>The highest stored position of each given stream that has events (absent streams are left out).</summary>
    Task<IReadOnlyDictionary<string, long>> GetMaxPositionsAsync(
        IReadOnlyCollection<string> streamIds, CancellationToken cancellationToken = default);

    /// <summary>A stream's events in position order.</summary>
    IAsyncEnumerable<RecordedEvent> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of the whole log in global order, strictly after <paramref name="afterGlobalPosition"/> (0 = from the
    /// start). Global positions are gapless and become visible in order, so paging never skips an event.
    /// </summary>
    Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(
        long afterGlobalPosition, int maxCount, CancellationToken cancellationToken = default);
}
