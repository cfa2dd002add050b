using Archiver.Testing;
using Archiver.Worker.Hosting;
using Archiver.Worker.Store.Migrations;
using Archiver.Worker.Tests.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Tests.Hosting;

/// <summary>
/// What the worker checks about its login and the schema before it starts (docs/operations.md, "Roles and grants"):
/// a loud warning when its login could do more than append, and, with <c>Archive__MigrateOnStart=false</c>, a refusal
/// naming <c>archiver migrate</c> while the schema is older than the build needs.
/// </summary>
public sealed class StoreStartupTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    [Fact]
    public async Task A_superuser_login_is_warned_about_loudly()
    {
        var warnings = await StartAsync(database.ConnectionString, migrateOnStart: true);

        var warning = Assert.Single(warnings);
        Assert.Contains("THE WORKER'S LOGIN", warning, StringComparison.Ordinal);
        Assert.Contains("is a SUPERUSER", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_login_that_shares_the_tables_owner_is_warned_about()
    {
        var owner = await database.ScalarAsync<string>("SELECT pg_get_userbyid(relowner)::text FROM pg_class WHERE oid = 'archive.events'::regclass");
        var login = await database.CreateLoginAsync(owner);

        var warning = Assert.Single(await StartAsync(login, migrateOnStart: false));

        Assert.Contains("owns the archive's tables", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_login_that_is_only_a_member_of_archiver_writer_starts_without_a_warning()
    {
        var login = await database.CreateLoginAsync("archiver_writer");

        Assert.Empty(await StartAsync(login, migrateOnStart: false));
    }

    [Fact]
    public async Task Without_migrating_on_start_an_older_schema_is_refused_naming_archiver_migrate()
    {
        var old = new PostgresDatabase();
        await old.InitializeAsync();
        await using var _ = old.AsDisposable();
        var embedded = Migration.Embedded();
        await new MigrationRunner(old.DataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(embedded.Take(embedded.Count - 1).ToList());

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(old.ConnectionString, migrateOnStart: false));

        Assert.Contains($"at version {embedded[^2].Version} and this build needs {embedded[^1].Version}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("run `archiver migrate` with the owner's credential", refused.Message, StringComparison.Ordinal);
        Assert.Equal(embedded.Count - 1, await old.ScalarAsync<long>("SELECT count(*) FROM archive.schema_migrations")); // nothing applied
    }

    /// <summary>Runs the startup check as the given login; returns the warnings it logged.</summary>
    private static async Task<List<string>> StartAsync(string connectionString, bool migrateOnStart)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var logger = new FakeLogger<StoreStartupService>();
        var service = new StoreStartupService(new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance), dataSource,
            Options.Create(new ArchiveOptions { MigrateOnStart = migrateOnStart }), logger);
        await service.StartAsync(CancellationToken.None);
        return logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).Select(r => r.Message).ToList();
    }
}
