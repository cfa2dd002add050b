using Archiver.Testing;
using Archiver.Worker.Store;
using Archiver.Worker.Store.Migrations;
using Archiver.Worker.Store.Verification;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Archiver.Worker.Tests.Store;

/// <summary>A fresh database with the embedded migrations applied, and the real store's parts built on it.</summary>
public class MigratedDatabase : PostgresDatabase
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await new MigrationRunner(DataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(Migration.Embedded());
    }

    public PostgresEventStore CreateStore(params IInlineProjection[] projections) => CreateStore(DataSource, projections);

    public static PostgresEventStore CreateStore(NpgsqlDataSource dataSource, params IInlineProjection[] projections) =>
        new(dataSource, projections, TimeProvider.System, new StoreMetrics(new TestMeterFactory()), NullLogger<PostgresEventStore>.Instance);

    public EventLogVerifier CreateVerifier() => new(DataSource);

    private sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose() { }
    }
}
