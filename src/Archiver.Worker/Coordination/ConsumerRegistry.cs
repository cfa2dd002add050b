using Archiver.Domain.Consumers;
using Npgsql;

namespace Archiver.Worker.Coordination;

/// <summary>
/// The workers' side of the consumer registry (archive.consumer_registry, migration 0014; docs/operations.md): the
/// consumers registered now, and a version to poll. The worker's login may only read the table; the owner changes it
/// (Lifecycle's ConsumerRegistration), and its trigger notifies <see cref="Channel"/> on every change
/// (<see cref="RegistryWatcher"/>). A database failure is reported as <see cref="CoordinationUnavailableException"/>.
/// </summary>
public sealed class ConsumerRegistry(NpgsqlDataSource dataSource)
{
    /// <summary>The channel the table's trigger notifies on every change.</summary>
    public const string Channel = "archiver_consumer_registry";

    /// <summary>
    /// Changes whenever the registry does (a row added, or one removed: rows are never deleted), for a cheap poll in case
    /// a notification was lost.
    /// </summary>
    public Task<(long LastEntry, long Removed)> VersionAsync(CancellationToken cancellationToken) => CoordinationUnavailableException.Guard(async () =>
    {
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce(max(entry_id), 0), count(removed_at) FROM archive.consumer_registry");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    });

    /// <summary>The consumers registered now for one account (a worker holds only its own account's).</summary>
    public Task<List<RegisteredConsumer>> ActiveAsync(string account, CancellationToken cancellationToken) => CoordinationUnavailableException.Guard(async () =>
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT consumer_name, mode, account_id, external_id, connector_id FROM archive.consumer_registry
            WHERE removed_at IS NULL AND account_id = $1 ORDER BY consumer_name
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = account });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var consumers = new List<RegisteredConsumer>();
        while (await reader.ReadAsync(cancellationToken))
        {
            consumers.Add(new RegisteredConsumer(reader.GetString(0), Enum.Parse<ConsumerFlow>(reader.GetString(1)), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return consumers;
    });
}
