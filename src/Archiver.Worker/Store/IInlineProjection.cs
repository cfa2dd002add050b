using Archiver.Domain.Events;
using Npgsql;

namespace Archiver.Worker.Store;

/// <summary>
/// A read model kept inside the append transaction: it sees exactly the events that transaction appends, and
/// commits or rolls back with them, so it can never be behind, ahead of, or inconsistent with the log.
/// </summary>
public interface IInlineProjection
{
    /// <summary>A name for logs and rebuilds.</summary>
    string Name { get; }

    /// <summary>The tables it keeps (emptied before a rebuild replays the log through it).</summary>
    IReadOnlyList<string> Tables => [];

    /// <param name="connection">The append's connection, inside its open transaction.</param>
    /// <param name="events">The events appended by this transaction, in global order (never empty).</param>
    /// <param name="issues">Where to report what was sanitised or left out of the rows, event by event.</param>
    /// <remarks>
    /// It may throw on content it cannot project (the store then applies the batch again event by event, each under a
    /// savepoint, records the events that still fail, and commits the rest: see docs/ingestion.md), but it should not:
    /// the folds sanitise and report instead.
    /// </remarks>
    Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, ProjectionIssues issues, CancellationToken cancellationToken);

    /// <summary>
    /// A rebuild's first, pure step for one page: whatever can be computed from the events alone (parsing them into
    /// rows). The rebuild runs it on another thread, a page ahead of <see cref="ApplyRebuildingAsync"/>, so parsing
    /// overlaps PostgreSQL's work on the previous page. It must not touch state that applying changes.
    /// </summary>
    object? PrepareRebuilding(IReadOnlyList<RecordedEvent> events, ProjectionIssues issues) => null;

    /// <summary>
    /// A rebuild's second step for one page, after <see cref="PrepareRebuilding"/>: work that needs PostgreSQL but no
    /// table (computing search vectors), done a page ahead on a helper connection outside the rebuild's transaction, so
    /// that a second backend shares the rebuild's work. Returns what <see cref="ApplyRebuildingAsync"/> gets.
    /// </summary>
    Task<object?> EnrichRebuildingAsync(NpgsqlConnection helper, object? prepared, CancellationToken cancellationToken) =>
        Task.FromResult(prepared);

    /// <summary>
    /// The same as <see cref="ApplyAsync"/> during a rebuild, where the tables were emptied and the log is replayed once
    /// in global order: a projection may take a faster path (no conflicts are possible), but must produce the same rows.
    /// </summary>
    /// <param name="prepared">What <see cref="PrepareRebuilding"/> returned for this page.</param>
    /// <param name="issues">Where to report issues found now (those found while preparing were reported then).</param>
    Task ApplyRebuildingAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, object? prepared, ProjectionIssues issues,
        CancellationToken cancellationToken) =>
        ApplyAsync(connection, events, issues, cancellationToken);

    /// <summary>Before a rebuild's replay: forget anything a previous, failed rebuild left behind.</summary>
    void BeginRebuild()
    {
    }

    /// <summary>After the replay, before the indexes are built again: write what the rebuild deferred.</summary>
    Task FinishRebuildAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Tables whose primary key nothing needs while rebuilding, so it is dropped for the replay and added back once.</summary>
    IReadOnlyList<string> UnkeyedWhileRebuilding => [];
}
