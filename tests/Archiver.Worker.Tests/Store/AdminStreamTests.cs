using System.Security.Cryptography;
using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Testing;
using Archiver.Worker.Store.Migrations;
using Archiver.Worker.Tests.Store.Checkpoints;

namespace Archiver.Worker.Tests.Store;

/// <summary>
/// The admin stream (issue 13, point 5): <c>archiver migrate</c> and <c>archiver projections rebuild</c>, run as the
/// processes an operator runs, each leave one event in <c>admin:archive</c> saying what was done and by which login;
/// the stream is chained like any other, so the checkpoints cover it and an owner who removes a record is caught.
/// </summary>
public sealed class AdminStreamTests : IAsyncLifetime
{
    private readonly PostgresDatabase _database = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("archiver-admin-stream-").FullName;

    public Task InitializeAsync() => _database.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private Dictionary<string, string?> Environment() => new() { ["ConnectionStrings__Archive"] = _database.ConnectionString };

    [Fact]
    public async Task Every_migration_applied_and_every_rebuild_is_recorded_once_with_who_did_it_and_the_checkpoints_cover_them()
    {
        var migrate = await ProcessRunner.ArchiverAsync(Environment(), "migrate");
        Assert.True(migrate.ExitCode == 0, migrate.StandardError);
        var again = await ProcessRunner.ArchiverAsync(Environment(), "migrate"); // nothing to apply: nothing recorded
        Assert.True(again.ExitCode == 0, again.StandardError);
        var rebuild = await ProcessRunner.ArchiverAsync(Environment(), "projections", "rebuild");
        Assert.True(rebuild.ExitCode == 0, rebuild.StandardError);

        var records = await AdminRecordsAsync();
        var login = await _database.ScalarAsync<string>("SELECT current_user::text");
        var migrations = Migration.Embedded();
        Assert.Equal(migrations.Select(m => (ArchiveEventTypes.MigrationApplied, (long)m.Version, m.FileName, m.Checksum)),
            records.Where(r => r.Type == ArchiveEventTypes.MigrationApplied)
                .Select(r => (r.Type, r.Body.GetProperty("version").GetInt64(), r.Body.GetProperty("file").GetString()!, r.Body.GetProperty("checksum").GetString()!)));
        var rebuilt = Assert.Single(records, r => r.Type == ArchiveEventTypes.ProjectionsRebuilt);
        // The log held the records before it: the migrations' and the masking rules' put in force by `archiver migrate`.
        Assert.Equal(ArchiveEventTypes.MaskingRulesApplied, records[migrations.Count].Type);
        Assert.Equal(migrations.Count + 1, rebuilt.Body.GetProperty("events").GetInt64());
        Assert.All(records, r => Assert.Equal(login, r.Body.GetProperty("by").GetString()));
        Assert.Equal(records.Count, await _database.ScalarAsync<long>("SELECT event_count FROM archive.streams WHERE stream_id = 'admin:archive'"));

        // Covered by the checkpoints: a record removed by the owner, its stream's head set back, is caught.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await File.WriteAllTextAsync(Path.Combine(_directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(_directory, "public.pem"), key.ExportSubjectPublicKeyInfoPem());
        var signing = Environment();
        signing["Integrity__SigningKeyFile"] = Path.Combine(_directory, "key.pem");
        signing["Integrity__CheckpointDirectory"] = Path.Combine(_directory, "files");
        var checkpoint = await ProcessRunner.ArchiverAsync(signing, "checkpoint");
        Assert.True(checkpoint.ExitCode == 0, checkpoint.StandardError);
        await _database.ExecuteAsync(
            $"""
            ALTER TABLE archive.events DISABLE TRIGGER events_append_only;
            DELETE FROM archive.events WHERE stream_id = 'admin:archive' AND type = 'ProjectionsRebuilt';
            {CheckpointTests.SetStreamHeadsBack}
            ALTER TABLE archive.events ENABLE TRIGGER events_append_only;
            """);

        var verify = await ProcessRunner.ArchiverAsync(Environment(), "verify", "--checkpoints", Path.Combine(_directory, "files"),
            "--public-key", Path.Combine(_directory, "public.pem"));
        Assert.Equal(2, verify.ExitCode);
        Assert.Contains($"LogTruncated: checkpoint 1 (checkpoint-0000000001.json) saw {records.Count} event(s)", verify.StandardOutput, StringComparison.Ordinal);
    }

    private async Task<List<(string Type, JsonElement Body)>> AdminRecordsAsync()
    {
        var records = new List<(string, JsonElement)>();
        await using var command = _database.DataSource.CreateCommand(
            "SELECT type, body::text FROM archive.events WHERE stream_id = 'admin:archive' ORDER BY position");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            records.Add((reader.GetString(0), JsonDocument.Parse(reader.GetString(1)).RootElement.Clone()));
        return records;
    }
}
