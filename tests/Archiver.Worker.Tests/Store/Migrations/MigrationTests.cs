using Archiver.Testing;
using Archiver.Worker.Store.Migrations;
using Microsoft.Extensions.Logging.Abstractions;

namespace Archiver.Worker.Tests.Store.Migrations;

public sealed class MigrationTests : IAsyncLifetime
{
    private readonly PostgresDatabase _database = new();
    private readonly string _scripts = Directory.CreateTempSubdirectory("archiver-migrations-").FullName;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        foreach (var file in Directory.GetFiles(RepositoryPaths.Migrations, "*.sql"))
            File.Copy(file, Path.Combine(_scripts, Path.GetFileName(file)));
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_scripts, recursive: true);
    }

    private MigrationRunner Runner() => new(_database.DataSource, NullLogger<MigrationRunner>.Instance);

    [Fact]
    public async Task Migrations_apply_in_order_once_and_are_recorded_with_checksums()
    {
        var first = await Runner().MigrateAsync(Migration.FromDirectory(_scripts));
        var second = await Runner().MigrateAsync(Migration.FromDirectory(_scripts));

        Assert.Contains("0001_event_store.sql", first.Applied);
        Assert.Empty(second.Applied);
        Assert.Equal(
            Migration.FromDirectory(_scripts).Select(m => m.Checksum),
            await ChecksumsAsync());
    }

    [Fact]
    public async Task The_embedded_scripts_are_the_files_in_migrations()
    {
        Assert.Equal(
            Migration.FromDirectory(RepositoryPaths.Migrations).Select(m => (m.FileName, m.Checksum)),
            Migration.Embedded().Select(m => (m.FileName, m.Checksum)));
    }

    [Fact]
    public async Task Concurrent_migrators_apply_each_script_exactly_once()
    {
        var reports = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Runner().MigrateAsync(Migration.FromDirectory(_scripts))));

        Assert.Equal(Migration.FromDirectory(_scripts).Count, reports.Sum(r => r.Applied.Count));
        Assert.Equal(Migration.FromDirectory(_scripts).Count, await _database.ScalarAsync<long>("SELECT count(*) FROM archive.schema_migrations"));
    }

    [Fact]
    public async Task A_migration_changed_after_it_was_applied_is_refused_naming_the_file()
    {
        await Runner().MigrateAsync(Migration.FromDirectory(_scripts));
        var path = Path.Combine(_scripts, "0001_event_store.sql");
        await File.AppendAllTextAsync(path, "\n-- an innocent-looking edit\nCREATE TABLE archive.sneaky (x int);\n");
        await File.WriteAllTextAsync(Path.Combine(_scripts, "9999_later.sql"), "CREATE TABLE archive.later (x int);");

        var error = await Assert.ThrowsAsync<MigrationChangedException>(() => Runner().MigrateAsync(Migration.FromDirectory(_scripts)));

        Assert.Equal("0001_event_store.sql", error.FileName);
        Assert.Contains("0001_event_store.sql", error.Message, StringComparison.Ordinal);
        Assert.False(await _database.ScalarAsync<bool>("SELECT to_regclass('archive.later') IS NOT NULL"), "nothing runs once a changed file is found");

        var cli = await ProcessRunner.ArchiverAsync(Environment(), "migrate", "--migrations-dir", _scripts);
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("0001_event_store.sql was changed after it was applied", cli.StandardError, StringComparison.Ordinal);
        Assert.Single(cli.StandardError.Trim().Split('\n'));
    }

    [Fact]
    public async Task Line_endings_alone_do_not_count_as_a_change()
    {
        await Runner().MigrateAsync(Migration.FromDirectory(_scripts));
        var path = Path.Combine(_scripts, "0001_event_store.sql");
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\r\n"));

        var report = await Runner().MigrateAsync(Migration.FromDirectory(_scripts));

        Assert.Empty(report.Applied);
    }

    [Fact]
    public async Task The_worker_refuses_to_start_on_a_database_whose_applied_migration_differs()
    {
        await Runner().MigrateAsync(Migration.Embedded());
        await _database.ExecuteAsync("UPDATE archive.schema_migrations SET checksum = repeat('0', 64) WHERE version = 1");

        var run = await ProcessRunner.ArchiverAsync(Environment());
        var runWithoutMigrating = await ProcessRunner.ArchiverAsync(
            new Dictionary<string, string?>(Environment()) { ["Archive__MigrateOnStart"] = "false" });

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("0001_event_store.sql was changed after it was applied", run.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, runWithoutMigrating.ExitCode);
        Assert.Contains("0001_event_store.sql", runWithoutMigrating.StandardError, StringComparison.Ordinal);
    }

    /// <summary>A valid worker configuration (no consumers), so that the migration check is what stops it.</summary>
    private Dictionary<string, string?> Environment() => new()
    {
        ["ConnectionStrings__Archive"] = _database.ConnectionString,
        ["LivePerson__AccountId"] = "12345678",
        ["LivePerson__CsdsUrl"] = "http://127.0.0.1:9",
    };

    private async Task<List<string>> ChecksumsAsync()
    {
        await using var command = _database.DataSource.CreateCommand("SELECT checksum FROM archive.schema_migrations ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync();
        var checksums = new List<string>();
        while (await reader.ReadAsync())
            checksums.Add(reader.GetString(0));
        return checksums;
    }
}
