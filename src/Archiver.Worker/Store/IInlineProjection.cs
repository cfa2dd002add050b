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
    Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken cancellationToken);

    /// <summary>
    /// The same during a rebuild, where the tables were emptied and the log is replayed once in global order: a
    /// projection may take a faster path (no conflicts are possible), but must produce the same rows.
    /// </summary>
    Task ApplyRebuildingAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken cancellationToken) =>
        ApplyAsync(connection, events, cancellationToken);

    /// <summary>Before a rebuild's replay: forget anything a previous, failed rebuild left behind.</summary>
    void BeginRebuild()
    {
    }

    /// <summary>After the replay, before the indexes are built again: write what the rebuild deferred.</summary>
    Task FinishRebuildAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Tables whose primary key nothing needs while rebuilding, so it is dropped for the replay and added back once.</summary>
    IReadOnlyList<string> UnkeyedWhileRebuilding => [];
}
