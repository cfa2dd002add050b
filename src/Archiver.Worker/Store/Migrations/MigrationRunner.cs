using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Archiver.Worker.Store.Migrations;

public sealed record MigrationReport(int SchemaVersion, IReadOnlyList<string> Applied);

/// <summary>
/// Applies numbered scripts in order, each in its own transaction with its record in archive.schema_migrations.
/// Several workers may start at once: a transaction-scoped advisory lock makes them take turns, and each re-reads
/// what is applied under that lock. Every applied script is checked against its file before anything runs.
/// </summary>
public sealed class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger, AdminLog? admin = null)
{
    // Any fixed number: the lock only has to be the same for every Archiver process on this database.
    private const long MigrationLockKey = 0x4172_6368_6976_6572; // "Archiver"

    public async Task<MigrationReport> MigrateAsync(IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        await EnsureHistoryTableAsync(cancellationToken);
        var applied = await AppliedAsync(cancellationToken);
        CheckUnchanged(migrations, applied);

        var appliedNow = new List<string>();
        foreach (var migration in migrations.Where(m => !applied.ContainsKey(m.Version)))
        {
            if (await ApplyAsync(migration, cancellationToken))
            {
                appliedNow.Add(migration.FileName);
                if (admin is not null)
                {
                    await admin.RecordAsync(Archiver.Domain.Archive.ArchiveEventTypes.MigrationApplied, migration.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        new System.Text.Json.Nodes.JsonObject { ["version"] = migration.Version, ["file"] = migration.FileName, ["checksum"] = migration.Checksum },
                        cancellationToken);
                }
            }
        }

        var version = migrations.Count == 0 ? 0 : migrations[^1].Version;
        foreach (var unknown in applied.Keys.Where(v => v > version))
            StoreLog.UnknownMigration(logger, unknown);
        var schemaVersion = Math.Max(version, applied.Keys.DefaultIfEmpty(0).Max());
        StoreLog.MigrationsDone(logger, schemaVersion, appliedNow.Count);
        return new MigrationReport(schemaVersion, appliedNow);
    }

    /// <summary>The highest migration version applied (0 when none, or no history table yet).</summary>
    public async Task<int> SchemaVersionAsync(CancellationToken cancellationToken = default) =>
        await HistoryTableExistsAsync(cancellationToken) ? (await AppliedAsync(cancellationToken)).Keys.DefaultIfEmpty(0).Max() : 0;

    /// <summary>Throws <see cref="MigrationChangedException"/> naming the first applied script whose file differs.</summary>
    public async Task CheckAsync(IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        if (await HistoryTableExistsAsync(cancellationToken))
            CheckUnchanged(migrations, await AppliedAsync(cancellationToken));
    }

    private static void CheckUnchanged(IReadOnlyList<Migration> migrations, Dictionary<int, (string FileName, string Checksum)> applied)
    {
        foreach (var migration in migrations)
        {
            if (applied.TryGetValue(migration.Version, out var record) && record.Checksum != migration.Checksum)
                throw new MigrationChangedException(migration.FileName, record.Checksum, migration.Checksum);
        }
    }

    private async Task<bool> ApplyAsync(Migration migration, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, cancellationToken);

        // Another process may have applied it while we waited for the lock.
        await using (var check = new NpgsqlCommand("SELECT checksum FROM archive.schema_migrations WHERE version = $1", connection))
        {
            check.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
            if (await check.ExecuteScalarAsync(cancellationToken) is string checksum)
            {
                if (checksum != migration.Checksum)
                    throw new MigrationChangedException(migration.FileName, checksum, migration.Checksum);
                return false;
            }
        }

        await using (var script = new NpgsqlCommand(migration.Sql, connection))
            await script.ExecuteNonQueryAsync(cancellationToken);

        await using (var record = new NpgsqlCommand(
            "INSERT INTO archive.schema_migrations (version, file_name, checksum) VALUES ($1, $2, $3)", connection))
        {
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.FileName });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Checksum });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        StoreLog.MigrationApplied(logger, migration.FileName, watch.ElapsedMilliseconds);
        return true;
    }

    private async Task EnsureHistoryTableAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            CREATE SCHEMA IF NOT EXISTS archive;
            CREATE TABLE IF NOT EXISTS archive.schema_migrations (
              version    integer     PRIMARY KEY,
              file_name  text        NOT NULL,
              -- SHA-256 of the script as applied: a file edited afterwards is refused, naming it.
              checksum   text        NOT NULL,
              applied_at timestamptz NOT NULL DEFAULT now(),
              applied_by text        NOT NULL DEFAULT current_user
            );
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<bool> HistoryTableExistsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT to_regclass('archive.schema_migrations') IS NOT NULL");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<Dictionary<int, (string FileName, string Checksum)>> AppliedAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT version, file_name, checksum FROM archive.schema_migrations");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new Dictionary<int, (string, string)>();
        while (await reader.ReadAsync(cancellationToken))
            applied[reader.GetInt32(0)] = (reader.GetString(1), reader.GetString(2));
        return applied;
    }

    private static async Task LockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = MigrationLockKey });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
