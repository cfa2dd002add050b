namespace Archiver.Deploy.Tests;

/// <summary>
/// deploy/systemd/archiver-console.service and console.env.example: `archiver console` after the migrations, as a
/// transient user of its own with its own credentials (its login's password file, the users file, the workers'
/// checkpoint key), on loopback, its keys and checkpoints under its StateDirectory=, hardened like the worker.
/// </summary>
public sealed partial class SystemdTests
{
    private const string ConsoleUnitPath = "deploy/systemd/archiver-console.service";
    private const string ConsoleEnvPath = "deploy/systemd/console.env.example";

    private static Dictionary<string, Dictionary<string, List<string>>> ConsoleUnit { get; } = ParseUnit(Repo.Read(ConsoleUnitPath));

    private static Dictionary<string, string> ConsoleEnv => EnvFile(Repo.Read(ConsoleEnvPath));

    private static List<string> ConsoleCredentials => ConsoleUnit["Service"]["LoadCredential"];

    [Theory]
    [InlineData("Type", "exec")]             // the console does not speak sd_notify
    [InlineData("ExecStart", "/usr/bin/dotnet /opt/archiver/archiver.dll console")]
    [InlineData("WorkingDirectory", "/opt/archiver")]
    [InlineData("Restart", "on-failure")]
    [InlineData("DynamicUser", "yes")]       // its credentials are unreadable to the worker's user `archiver`, and back
    [InlineData("User", "archiver-console")]
    [InlineData("ProtectSystem", "strict")]
    [InlineData("StateDirectoryMode", "0700")] // the data-protection keys: whoever reads them can forge a sign-in
    public void Console_unit_sets(string key, string value) => Assert.Equal(value, One(ConsoleUnit, "Service", key));

    [Fact]
    public void Console_unit_claims_no_notify_protocol_and_stops_after_the_hosts_drain()
    {
        foreach (var key in new[] { "NotifyAccess", "WatchdogSec", "RemainAfterExit" })
            Assert.False(ConsoleUnit["Service"].ContainsKey(key), $"{key}= is for a service that notifies (or a oneshot)");
        var stop = int.Parse(One(ConsoleUnit, "Service", "TimeoutStopSec"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(stop >= 45, $"TimeoutStopSec={stop}: the host drains for up to 30 s");
        Assert.Equal("multi-user.target", One(ConsoleUnit, "Install", "WantedBy"));
    }

    [Fact]
    public void Console_requires_and_starts_after_the_migrations()
    {
        Assert.Contains("archiver-migrate.service", Words(ConsoleUnit, "Unit", "Requires"));
        Assert.Contains("archiver-migrate.service", Words(ConsoleUnit, "Unit", "After"));
        Assert.Contains("network-online.target", Words(ConsoleUnit, "Unit", "After"));
        Assert.Contains("network-online.target", Words(ConsoleUnit, "Unit", "Wants"));
    }

    [Fact]
    public void Console_unit_has_the_same_hardening_as_the_worker()
    {
        foreach (var key in HardeningKeys)
            Assert.Equal(One("Service", key), One(ConsoleUnit, "Service", key));
        Assert.False(ConsoleUnit["Service"].ContainsKey("MemoryDenyWriteExecute"), "MemoryDenyWriteExecute=yes makes the .NET runtime fail at start");
    }

    [Fact]
    public void Console_runs_as_a_user_of_its_own_with_its_own_credentials_never_the_workers_or_the_owners()
    {
        Assert.NotEqual(One("Service", "User"), One(ConsoleUnit, "Service", "User"));
        Assert.NotEqual(One(MigrateUnit, "Service", "User"), One(ConsoleUnit, "Service", "User"));
        Assert.Equal(
            ["console.pgpass:/etc/archiver/credentials/console.pgpass", "console-users.json:/etc/archiver/credentials/console-users.json", "checkpoint-key.pem:/etc/archiver/credentials/checkpoint-key.pem"],
            ConsoleCredentials);
        var env = EnvironmentOf(ConsoleUnit);
        Assert.Equal("%d/console.pgpass", env["PGPASSFILE"]);
        Assert.Equal("%d/console-users.json", env["Console__UsersFile"]);
        var active = Active(ConsoleUnitPath);
        Assert.DoesNotContain("archive.pgpass", active, StringComparison.Ordinal); // the worker's login
        Assert.DoesNotContain("owner", active, StringComparison.Ordinal);
        Assert.DoesNotContain("brand-key", active, StringComparison.Ordinal);
        // Its own configuration file, not the worker's or the owner's; and the worker's unit never names the console's.
        Assert.DoesNotContain(One("Service", "EnvironmentFile"), ConsoleUnit["Service"]["EnvironmentFile"]);
        Assert.DoesNotContain(One(MigrateUnit, "Service", "EnvironmentFile"), ConsoleUnit["Service"]["EnvironmentFile"]);
        Assert.DoesNotContain("console", Active(UnitPath), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("console", Active(MigrateUnitPath), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Console_secrets_are_credentials_or_root_only_files_never_the_unit_or_its_example_environment()
    {
        foreach (var line in Active(ConsoleUnitPath).Split('\n'))
        {
            Assert.DoesNotContain("Password", line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("ConnectionStrings__", line, StringComparison.Ordinal);
            Assert.DoesNotContain("ClientSecret", line, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", line, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(ConsoleUnit["Service"].Keys, k => k.StartsWith("SetCredential", StringComparison.Ordinal));
        // Every credential and the OpenID Connect secret's optional environment file come from the root-only directory.
        Assert.All(ConsoleCredentials, c => Assert.StartsWith("/etc/archiver/credentials/", c.Split(':', 2)[1], StringComparison.Ordinal));
        Assert.Equal(["/etc/archiver/console.env", "-/etc/archiver/credentials/console-oidc.env"], ConsoleUnit["Service"]["EnvironmentFile"]);

        var text = Repo.Read(ConsoleEnvPath);
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        Assert.DoesNotContain("passwordHash", text, StringComparison.Ordinal);
        var example = ConsoleEnv;
        Assert.False(ComposeTests.ConnectionString(example["ConnectionStrings__Archive"]).ContainsKey("Password"));
        Assert.DoesNotContain(example.Keys, k => k.EndsWith("ClientSecret", StringComparison.Ordinal));
        // What the unit sets next to the credential or directory providing it is not repeated (or overridden) there.
        foreach (var key in new[] { "Console__UsersFile", "Console__KeysDirectory", "Integrity__SigningKeyFile", "Integrity__CheckpointDirectory", "PGPASSFILE" })
            Assert.DoesNotContain(key, example.Keys);
    }

    [Fact]
    public void Console_example_environment_names_its_own_login_on_the_workers_database_and_binds_loopback()
    {
        var console = ComposeTests.ConnectionString(ConsoleEnv["ConnectionStrings__Archive"]);
        Assert.Equal("archiver_reviewer_console", console["Username"]); // a member of archiver_console only
        Assert.NotEqual("archiver_worker", console["Username"]);
        Assert.NotEqual("archiver_owner", console["Username"]);
        var worker = ComposeTests.ConnectionString(EnvFile(Repo.Read("deploy/systemd/archiver.env.example"))["ConnectionStrings__Archive"]);
        foreach (var key in new[] { "Host", "Port", "Database", "SSL Mode" })
            Assert.Equal(worker[key], console[key]);
        // Loopback only (the console's default, said explicitly); the TLS proxy in front is on this host and trusted.
        Assert.Equal("127.0.0.1", ConsoleEnv.GetValueOrDefault("Console__Address", "127.0.0.1"));
        Assert.DoesNotContain("Console__Address", EnvironmentOf(ConsoleUnit).Keys);
        Assert.Equal("127.0.0.1", ConsoleEnv["Console__TrustedProxies__0"]);
        Assert.Equal("json", ConsoleEnv["Logging__Console__FormatterName"]);
        Assert.DoesNotContain(ConsoleEnv.Keys, k => k.StartsWith("LivePerson__", StringComparison.Ordinal) || k.StartsWith("Archive__", StringComparison.Ordinal));
    }

    [Fact]
    public void Console_signs_with_the_workers_checkpoint_key()
    {
        var env = EnvironmentOf(ConsoleUnit);
        Assert.Equal("%d/checkpoint-key.pem", env["Integrity__SigningKeyFile"]);
        // The same source file as the worker's credential of that name.
        string Source(IEnumerable<string> credentials) => Assert.Single(credentials, c => c.StartsWith("checkpoint-key.pem:", StringComparison.Ordinal));
        Assert.Equal(Source(Unit["Service"]["LoadCredential"]), Source(ConsoleCredentials));
        Assert.True(env.ContainsKey("Integrity__CheckpointDirectory"), "the console refuses a key without a checkpoint directory");
    }

    [Fact]
    public void Console_keys_and_checkpoints_are_under_its_StateDirectory()
    {
        var state = Words(ConsoleUnit, "Service", "StateDirectory");
        Assert.NotEmpty(state);
        var env = EnvironmentOf(ConsoleUnit);
        // The keys directory must exist when the console starts (its options say so): it is a state directory itself,
        // which systemd creates, keeps across restarts and reboots, and leaves writable under ProtectSystem=strict.
        var keys = env["Console__KeysDirectory"];
        Assert.Contains(state, s => keys == $"/var/lib/{s}");
        // The checkpoint files (the console creates the directory) under a state directory too; not the worker's, whose
        // files belong to its user `archiver`.
        var checkpoints = env["Integrity__CheckpointDirectory"];
        Assert.Contains(state, s => checkpoints.StartsWith($"/var/lib/{s}/", StringComparison.Ordinal));
        Assert.NotEqual(keys, checkpoints);
        Assert.False(checkpoints.StartsWith(keys + "/", StringComparison.Ordinal), "the checkpoints would sit among the keys");
        Assert.DoesNotContain(One("Service", "StateDirectory"), state);
        foreach (var key in new[] { "ReadOnlyPaths", "InaccessiblePaths", "TemporaryFileSystem" })
            Assert.False(ConsoleUnit["Service"].ContainsKey(key), $"{key}= could hide or lock the state directories");
        // Operators must know these checkpoints are synced like the workers'.
        Assert.Contains("write-once storage", Repo.Read(ConsoleUnitPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Systemd_analyze_verify_reports_nothing_for_the_console_unit_when_available()
    {
        var tool = Tools.FindOrReport("systemd-analyze", output);
        if (tool is null)
            return;
        // With the migration unit beside it: Requires= is resolved from the directory of the units given.
        var dir = Directory.CreateTempSubdirectory("archiver-console-unit-").FullName;
        try
        {
            var console = Path.Combine(dir, Path.GetFileName(ConsoleUnitPath));
            File.Copy(Repo.PathOf(ConsoleUnitPath), console);
            File.Copy(Repo.PathOf(MigrateUnitPath), Path.Combine(dir, Path.GetFileName(MigrateUnitPath)));
            var result = Tools.Run(tool, ["verify", "--man=no", console], dir, TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0 && result.Output.Length == 0, $"systemd-analyze verify: exit {result.ExitCode}\n{result.Output}");
            output.WriteLine("systemd-analyze verify archiver-console.service: no findings");
            var security = Tools.Run(tool, ["security", "--offline=true", console], dir, TimeSpan.FromSeconds(60));
            output.WriteLine(security.Output.Split('\n').LastOrDefault(l => l.Contains("Overall exposure", StringComparison.Ordinal)) ?? "(systemd-analyze security --offline archiver-console.service: no summary)");

            // The check itself: a misspelt type and a state directory that is not a plain relative path are reported.
            File.WriteAllText(console, Repo.Read(ConsoleUnitPath).Replace("Type=exec", "Type=exce", StringComparison.Ordinal));
            Assert.Contains("exce", Tools.Run(tool, ["verify", "--man=no", console], dir, TimeSpan.FromSeconds(60)).Output, StringComparison.Ordinal);
            File.WriteAllText(console, Repo.Read(ConsoleUnitPath).Replace("archiver-console/keys", "../keys", StringComparison.Ordinal));
            Assert.Contains("StateDirectory=", Tools.Run(tool, ["verify", "--man=no", console], dir, TimeSpan.FromSeconds(60)).Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
