using System.Globalization;
using System.Text.Json.Nodes;
using Archiver.Domain.Archive;
using Archiver.Domain.Consumers;
using Archiver.Worker.Store;
using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>A registration as listed: the consumer, when and by whom it was added, and its removal if any.</summary>
public sealed record RegistryEntry(long EntryId, RegisteredConsumer Consumer, DateTimeOffset AddedAt, string AddedBy, DateTimeOffset? RemovedAt, string? RemovedBy)
{
    public bool Active => RemovedAt is null;
}

/// <summary>What an add or import did: the entries it added, and those already registered exactly so.</summary>
public sealed record RegistryChange(IReadOnlyList<RegistryEntry> Added, int Unchanged);

/// <summary>An add or import refused: every reason, each naming its line or consumer. Nothing was written.</summary>
public sealed class RegistryRefusedException(IReadOnlyList<string> problems)
    : Exception($"{problems.Count} problem(s), nothing changed: {string.Join("; ", problems.Take(20))}{(problems.Count > 20 ? "; …" : "")}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// The owner's side of the consumer registry (archive.consumer_registry, migration 0014; docs/operations.md): who is
/// archived. Consumers are added, imported and removed with the owner's login, each change in one transaction and
/// recorded in the admin stream, which the checkpoints cover; a removal keeps the row. Workers only read the registry
/// (Coordination's ConsumerRegistry) and are told of each change by the table's NOTIFY.
/// </summary>
public sealed class ConsumerRegistration(NpgsqlDataSource dataSource, AdminLog admin)
{
    private const string Columns = "entry_id, consumer_name, mode, account_id, external_id, connector_id, added_at, added_by, removed_at, removed_by";

    /// <summary>Every registration, active and removed, by name then time (the history of who was archived).</summary>
    public async Task<List<RegistryEntry>> ListAsync(bool includeRemoved, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM archive.consumer_registry {(includeRemoved ? "" : "WHERE removed_at IS NULL")} ORDER BY consumer_name, entry_id");
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>
    /// Adds the consumers not yet registered, all or none. One registered exactly so already is left as it is (an import
    /// can be run again); one whose name or external id is registered differently refuses the whole change, naming its
    /// line. <paramref name="items"/> pairs each consumer with where it came from ("line 7").
    /// </summary>
    public async Task<RegistryChange> AddAsync(IReadOnlyList<(string Where, RegisteredConsumer Consumer)> items, string operation, CancellationToken cancellationToken)
    {
        var problems = items.Where(i => i.Consumer.Problem() is not null).Select(i => $"{i.Where}: {i.Consumer.Problem()}").ToList();
        if (problems.Count > 0)
            throw new RegistryRefusedException(problems);

        List<RegistryEntry> added;
        var unchanged = 0;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            // One registry change at a time: what is checked below stays true until this commits.
            await using (var locking = new NpgsqlCommand("LOCK TABLE archive.consumer_registry IN SHARE ROW EXCLUSIVE MODE", connection, transaction))
                await locking.ExecuteNonQueryAsync(cancellationToken);
            await using var current = new NpgsqlCommand($"SELECT {Columns} FROM archive.consumer_registry WHERE removed_at IS NULL", connection, transaction);
            var active = await ReadAsync(current, cancellationToken);
            var byName = active.ToDictionary(e => e.Consumer.Name, StringComparer.Ordinal);
            var byExternal = active.Where(e => e.Consumer.ExternalId is not null)
                .ToDictionary(e => (e.Consumer.Account, e.Consumer.ExternalId!), e => e.Consumer.Name);
            var fresh = new List<RegisteredConsumer>();
            foreach (var (where, consumer) in items)
            {
                if (byName.TryGetValue(consumer.Name, out var existing))
                {
                    if (existing.Consumer == consumer)
                        unchanged++;
                    else
                        problems.Add($"{where}: consumer {consumer.Name} is already registered differently ({existing.Consumer.Describe()}); remove it first");
                }
                else if (consumer.ExternalId is { } external && byExternal.TryGetValue((consumer.Account, external), out var holder))
                    problems.Add($"{where}: external id {RegisteredConsumer.Printable(external)} is already registered as consumer {holder}");
                else
                    fresh.Add(consumer);
            }
            if (problems.Count > 0)
                throw new RegistryRefusedException(problems);

            await using var insert = new NpgsqlCommand(
                $"""
                INSERT INTO archive.consumer_registry (consumer_name, mode, account_id, external_id, connector_id)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                RETURNING {Columns}
                """, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = fresh.Select(c => c.Name).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = fresh.Select(c => c.Flow.ToString()).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = fresh.Select(c => c.Account).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = fresh.Select(c => c.ExternalId).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = fresh.Select(c => c.ConnectorId).ToArray() });
            added = fresh.Count == 0 ? [] : await ReadAsync(insert, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (added.Count > 0)
        {
            var entries = new JsonArray();
            foreach (var e in added.OrderBy(e => e.EntryId))
                entries.Add(Json(e));
            await admin.RecordAsync(ArchiveEventTypes.ConsumersRegistered,
                string.Create(CultureInfo.InvariantCulture, $"{added.Min(e => e.EntryId)}-{added.Max(e => e.EntryId)}"),
                new JsonObject { ["operation"] = operation, ["count"] = added.Count, ["consumers"] = entries }, cancellationToken);
        }
        return new RegistryChange(added, unchanged);
    }

    /// <summary>Removes a consumer: its row stays, with when and by whom. Its sessions end; its archive is untouched.</summary>
    public async Task<RegistryEntry> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        RegistryEntry removed;
        await using (var command = dataSource.CreateCommand(
            $"""
            UPDATE archive.consumer_registry SET removed_at = now(), removed_by = current_user
            WHERE consumer_name = $1 AND removed_at IS NULL
            RETURNING {Columns}
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            var rows = await ReadAsync(command, cancellationToken);
            if (rows.Count == 0)
            {
                var history = (await ListAsync(includeRemoved: true, cancellationToken)).Where(e => e.Consumer.Name == name).ToList();
                throw new InvalidOperationException(history.Count == 0
                    ? $"there is no registered consumer {RegisteredConsumer.Printable(name)}"
                    : string.Create(CultureInfo.InvariantCulture,
                        $"consumer {name} is not registered: it was removed at {history[^1].RemovedAt:yyyy-MM-dd HH:mm:ss} UTC by {history[^1].RemovedBy}"));
            }
            removed = rows[0];
        }
        await admin.RecordAsync(ArchiveEventTypes.ConsumerRemoved, removed.EntryId.ToString(CultureInfo.InvariantCulture), Json(removed), cancellationToken);
        return removed;
    }

    private static JsonObject Json(RegistryEntry e)
    {
        var json = new JsonObject
        {
            ["entryId"] = e.EntryId,
            ["name"] = e.Consumer.Name,
            ["flow"] = e.Consumer.Flow.ToString(),
            ["account"] = e.Consumer.Account,
        };
        if (e.Consumer.ExternalId is { } external)
            json["externalId"] = external;
        if (e.Consumer.ConnectorId is { } connector)
            json["connectorId"] = connector;
        return json;
    }

    private static async Task<List<RegistryEntry>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<RegistryEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var consumer = new RegisteredConsumer(reader.GetString(1), Enum.Parse<ConsumerFlow>(reader.GetString(2)), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5));
            entries.Add(new RegistryEntry(reader.GetInt64(0), consumer, reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetString(9)));
        }
        return entries;
    }
}
