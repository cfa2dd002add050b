using Npgsql;

namespace Archiver.Worker.Coordination;

/// <summary>
/// The lease table's operations, each one autocommit statement. Times are the database's (<c>now()</c>), so workers'
/// clocks never need to agree; a worker measures its own deadline with its monotonic clock from when it asked. A
/// database failure is reported as <see cref="CoordinationUnavailableException"/>: the sessions know no database.
/// </summary>
public sealed class ConsumerLeases(NpgsqlDataSource dataSource)
{
    /// <summary>Registers the consumers and this worker as alive; returns how many workers are alive.</summary>
    public Task<int> AnnounceAsync(string workerId, IReadOnlyList<string> consumers, TimeSpan lease, CancellationToken cancellationToken) =>
        CoordinationUnavailableException.Guard(async () =>
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command(
            "INSERT INTO archive.consumer_leases (consumer_name) SELECT unnest($1::text[]) ON CONFLICT (consumer_name) DO NOTHING",
            new NpgsqlParameter<string[]> { TypedValue = consumers.ToArray() }));
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO archive.workers (worker_id, expires_at) VALUES ($1, now() + $2)
            ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = now(), expires_at = excluded.expires_at
            """,
            new NpgsqlParameter<string> { TypedValue = workerId }, new NpgsqlParameter<TimeSpan> { TypedValue = lease }));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await using var alive = dataSource.CreateCommand("SELECT count(*) FROM archive.workers WHERE expires_at > now()");
        return (int)(long)(await alive.ExecuteScalarAsync(cancellationToken))!;
    });

    /// <summary>Extends this worker's leases on the given consumers; returns those it still holds.</summary>
    public Task<List<string>> RenewAsync(string workerId, IReadOnlyCollection<string> held, TimeSpan lease, CancellationToken cancellationToken) =>
        NamesAsync(
            """
            UPDATE archive.consumer_leases SET expires_at = now() + $3
            WHERE worker_id = $1 AND consumer_name = ANY($2) AND expires_at > now()
            RETURNING consumer_name
            """, cancellationToken,
            new NpgsqlParameter<string> { TypedValue = workerId }, new NpgsqlParameter<string[]> { TypedValue = held.ToArray() },
            new NpgsqlParameter<TimeSpan> { TypedValue = lease });

    /// <summary>Takes up to <paramref name="count"/> free or lapsed leases among the configured consumers.</summary>
    public Task<List<string>> AcquireAsync(string workerId, IReadOnlyList<string> consumers, int count, TimeSpan lease, CancellationToken cancellationToken) =>
        NamesAsync(
            """
            UPDATE archive.consumer_leases l SET worker_id = $1, expires_at = now() + $4, acquired_at = now(), epoch = l.epoch + 1
            WHERE l.consumer_name IN (
              SELECT consumer_name FROM archive.consumer_leases
              WHERE consumer_name = ANY($2) AND (worker_id IS NULL OR expires_at IS NULL OR expires_at <= now())
              ORDER BY consumer_name
              LIMIT $3
              FOR UPDATE SKIP LOCKED)
            RETURNING l.consumer_name
            """, cancellationToken,
            new NpgsqlParameter<string> { TypedValue = workerId }, new NpgsqlParameter<string[]> { TypedValue = consumers.ToArray() },
            new NpgsqlParameter<int> { TypedValue = count }, new NpgsqlParameter<TimeSpan> { TypedValue = lease });

    /// <summary>Gives leases back (their sessions are already stopped), so another worker can take them at once.</summary>
    public Task ReleaseAsync(string workerId, IReadOnlyCollection<string> consumers, CancellationToken cancellationToken) =>
        CoordinationUnavailableException.Guard(async () =>
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE archive.consumer_leases SET worker_id = NULL, expires_at = NULL WHERE worker_id = $1 AND consumer_name = ANY($2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = consumers.ToArray() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    });

    public Task LeaveAsync(string workerId, CancellationToken cancellationToken) => CoordinationUnavailableException.Guard(async () =>
    {
        await using var command = dataSource.CreateCommand("DELETE FROM archive.workers WHERE worker_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    });

    private Task<List<string>> NamesAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters) =>
        CoordinationUnavailableException.Guard(async () =>
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
            names.Add(reader.GetString(0));
        return names;
    });

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }
}
