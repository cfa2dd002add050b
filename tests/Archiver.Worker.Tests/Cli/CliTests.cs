using System.Text.Json;
using Archiver.Testing;
using Archiver.Worker.Store.Migrations;
using Archiver.Worker.Tests.Store;

namespace Archiver.Worker.Tests.Cli;

public sealed class CliTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private Dictionary<string, string?> Environment() => new() { ["ConnectionStrings__Archive"] = database.ConnectionString };

    [Fact]
    public async Task Help_documents_every_operation()
    {
        var help = await ProcessRunner.ArchiverAsync(new Dictionary<string, string?>(), "--help");

        Assert.Equal(0, help.ExitCode);
        foreach (var command in new[] { "migrate", "verify", "checkpoint", "status", "projections", "transcript", "export", "search", "retention", "holds", "erase", "masking" })
            Assert.Contains(command, help.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_shows_schema_version_counts_and_last_append()
    {
        var dialog = Guid.NewGuid().ToString();
        await database.CreateStore().AppendAsync([Events.Content(dialog, 0), Events.Content(dialog, 1)]);

        var result = await ProcessRunner.ArchiverAsync(Environment(), "status", "--json");

        Assert.Equal(0, result.ExitCode);
        using var status = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(Migration.Embedded()[^1].Version, status.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.True(status.RootElement.GetProperty("events").GetInt64() >= 2);
        Assert.True(status.RootElement.GetProperty("streams").GetInt64() >= 1);
        Assert.NotEqual(JsonValueKind.Null, status.RootElement.GetProperty("lastAppendAt").ValueKind);
    }

    [Fact]
    public async Task Missing_configuration_fails_with_one_line_naming_the_key()
    {
        var result = await ProcessRunner.ArchiverAsync(new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = null }, "status");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ConnectionStrings__Archive", result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_wrong_password_fails_cleanly_without_echoing_it()
    {
        const string password = "not-the-password-7f3a";
        var wrong = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) { Password = password }.ConnectionString;

        var result = await ProcessRunner.ArchiverAsync(new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = wrong }, "migrate");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("password authentication failed", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(password, result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_on_an_up_to_date_database_reports_the_version()
    {
        var result = await ProcessRunner.ArchiverAsync(Environment(), "migrate");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"schema version {Migration.Embedded()[^1].Version} (0 applied now)", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_compliance_login_verifies_the_archive_against_its_checkpoints_and_the_worker_login_takes_them()
    {
        var dialog = Guid.NewGuid().ToString();
        await database.CreateStore().AppendAsync([Events.Content(dialog, 0), Events.Content(dialog, 1)]);
        var directory = Directory.CreateTempSubdirectory("archiver-cli-checkpoints-").FullName;
        try
        {
            using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            await File.WriteAllTextAsync(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
            await File.WriteAllTextAsync(Path.Combine(directory, "public.pem"), key.ExportSubjectPublicKeyInfoPem());
            var worker = new Dictionary<string, string?>
            {
                ["ConnectionStrings__Archive"] = await database.CreateLoginAsync("archiver_writer"),
                ["Integrity__SigningKeyFile"] = Path.Combine(directory, "key.pem"),
                ["Integrity__CheckpointDirectory"] = Path.Combine(directory, "files"),
            };
            var taken = await ProcessRunner.ArchiverAsync(worker, "checkpoint");
            Assert.True(taken.ExitCode == 0, taken.StandardError);
            Assert.Matches(@"^checkpoint \d+ signed with key [0-9a-f]{16}: ", taken.StandardOutput);

            var compliance = new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = await database.CreateLoginAsync("compliance") };
            var plain = await ProcessRunner.ArchiverAsync(compliance, "verify");
            Assert.True(plain.ExitCode == 0, plain.StandardError + plain.StandardOutput);
            var checkedAgainst = await ProcessRunner.ArchiverAsync(compliance, "verify", "--checkpoints", Path.Combine(directory, "files"),
                "--public-key", Path.Combine(directory, "public.pem"));
            Assert.True(checkedAgainst.ExitCode == 0, checkedAgainst.StandardError + checkedAgainst.StandardOutput);
            Assert.Contains("and against every checkpoint", checkedAgainst.StandardOutput, StringComparison.Ordinal);

            var alone = await ProcessRunner.ArchiverAsync(compliance, "verify", "--checkpoints", Path.Combine(directory, "files"));
            Assert.Equal(1, alone.ExitCode);
            Assert.Contains("--public-key", alone.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
