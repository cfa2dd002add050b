using Archiver.Worker.Store.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Archiver.Bench;

/// <summary>A fresh, migrated database for one side of a comparison; dropped afterwards.</summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private BenchDatabase(string name, string connectionString, NpgsqlDataSource dataSource)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = dataSource;
    }

    public string Name { get; }

    /// <summary>The database's connection string (with credentials): for a worker run in-process against it.</summary>
    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public static Task<BenchDatabase> CreateAsync(string label) => CreateAsync(label, migrate: true);

    /// <summary>A fresh database without our schema (a peer's store creates its own).</summary>
    public static Task<BenchDatabase> CreateEmptyAsync(string label) => CreateAsync(label, migrate: false);

    private static async Task<BenchDatabase> CreateAsync(string label, bool migrate)
    {
        var name = $"archiver_bench_{label}_{Guid.NewGuid():N}"[..40];
        await using (var server = new NpgsqlConnection(BenchmarkRunner.ServerConnectionString))
        {
            await server.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0", server);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(BenchmarkRunner.ServerConnectionString) { Database = name }.ConnectionString;
        var dataSource = NpgsqlDataSource.Create(connectionString);
        if (migrate)
            await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(Migration.Embedded());
        return new BenchDatabase(name, connectionString, dataSource);
    }

    public async Task CheckpointAsync()
    {
        await using var command = DataSource.CreateCommand("VACUUM ANALYZE; CHECKPOINT");
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var server = new NpgsqlConnection(BenchmarkRunner.ServerConnectionString);
        await server.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", server);
        await drop.ExecuteNonQueryAsync();
    }
}
