namespace Archiver.Deploy.Tests;

/// <summary>
/// deploy/systemd: the worker unit's service type, restarts, user, hardening and secrets, its example environment, and
/// the migration unit that runs before it as the schema's owner (archiver-migrate.service, migrate.env.example). The
/// worker signs checkpoints with a key given as a credential and writes them under its StateDirectory=.
/// </summary>
public sealed partial class SystemdTests(ITestOutputHelper output)
{
    private const string UnitPath = "deploy/systemd/archiver.service";
    private const string MigrateUnitPath = "deploy/systemd/archiver-migrate.service";

    /// <summary>The hardening archiver.service sets, which the migration unit must set identically.</summary>
    private static readonly string[] HardeningKeys =
    [
        "NoNewPrivileges", "CapabilityBoundingSet", "AmbientCapabilities", "ProtectSystem", "ProtectHome", "PrivateTmp",
        "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups",
        "ProtectClock", "ProtectHostname", "ProtectProc", "RestrictAddressFamilies", "RestrictNamespaces",
        "RestrictRealtime", "RestrictSUIDSGID", "LockPersonality", "SystemCallArchitectures", "RemoveIPC", "UMask",
    ];

    /// <summary>section → key → every value assigned (a unit may assign a key several times).</summary>
    private static Dictionary<string, Dictionary<string, List<string>>> Unit { get; } = ParseUnit(Repo.Read(UnitPath));

    private static Dictionary<string, Dictionary<string, List<string>>> MigrateUnit { get; } = ParseUnit(Repo.Read(MigrateUnitPath));

    private static string One(string section, string key) => One(Unit, section, key);

    private static string One(Dictionary<string, Dictionary<string, List<string>>> unit, string section, string key)
    {
        var values = unit.TryGetValue(section, out var keys) ? keys.GetValueOrDefault(key) : null;
        Assert.True(values is not null, $"[{section}] {key}= is missing");
        return Assert.Single(values);
    }

    /// <summary>The variables a unit's Environment= lines set (Environment=A=1 B=2 → A: 1, B: 2).</summary>
    private static Dictionary<string, string> EnvironmentOf(Dictionary<string, Dictionary<string, List<string>>> unit) =>
        Words(unit, "Service", "Environment").Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    /// <summary>A unit's text without its comment lines.</summary>
    private static string Active(string path) => string.Join('\n', Repo.Read(path).Split('\n').Where(l => !l.TrimStart().StartsWith('#')));

    /// <summary>Every value of a key, each split on whitespace (After=a b, After=c → a, b, c).</summary>
    private static List<string> Words(Dictionary<string, Dictionary<string, List<string>>> unit, string section, string key) =>
        (unit.GetValueOrDefault(section)?.GetValueOrDefault(key) ?? []).SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

    [Theory]
    [InlineData("Type", "notify")]          // the worker sends READY=1 itself
    [InlineData("NotifyAccess", "main")]    // `dotnet archiver.dll` is the main process
    [InlineData("WatchdogSec", "30")]       // WATCHDOG=1 every 15 s from the heartbeat
    [InlineData("Restart", "on-failure")]
    [InlineData("RestartSec", "5")]
    [InlineData("User", "archiver")]
    [InlineData("Group", "archiver")]
    [InlineData("WorkingDirectory", "/opt/archiver")]
    [InlineData("EnvironmentFile", "/etc/archiver/archiver.env")]
    [InlineData("NoNewPrivileges", "true")]
    [InlineData("ProtectSystem", "strict")]
    [InlineData("ProtectHome", "true")]
    [InlineData("PrivateTmp", "true")]
    [InlineData("ProtectKernelTunables", "true")]
    [InlineData("ProtectKernelModules", "true")]
    [InlineData("ProtectControlGroups", "true")]
    [InlineData("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6")]
    [InlineData("LockPersonality", "true")]
    [InlineData("CapabilityBoundingSet", "")]
    [InlineData("SystemCallArchitectures", "native")]
    [InlineData("StateDirectory", "archiver")]  // /var/lib/archiver: the checkpoint files
    public void Service_section_sets(string key, string value) => Assert.Equal(value, One("Service", key));

    [Fact]
    public void Runs_the_published_dll_with_the_dotnet_host()
    {
        Assert.Equal("/usr/bin/dotnet /opt/archiver/archiver.dll", One("Service", "ExecStart"));
        Assert.Equal("multi-user.target", One("Install", "WantedBy"));
    }

    [Fact]
    public void Stop_timeout_exceeds_the_hosts_30_second_shutdown()
    {
        var stop = int.Parse(One("Service", "TimeoutStopSec"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(stop >= 45, $"TimeoutStopSec={stop}: the host drains for up to 30 s");
        var watchdog = int.Parse(One("Service", "WatchdogSec"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(watchdog >= 10, "the worker pings every WatchdogSec/2 from a once-a-second heartbeat");
    }

    [Fact]
    public void MemoryDenyWriteExecute_is_not_set_because_the_JIT_needs_executable_memory()
    {
        Assert.False(Unit["Service"].ContainsKey("MemoryDenyWriteExecute"), "MemoryDenyWriteExecute=yes makes the .NET runtime fail at start");
    }

    [Theory]
    [InlineData(UnitPath)]
    [InlineData(MigrateUnitPath)]
    public void Secrets_come_from_credentials_and_the_environment_file_never_the_unit(string path)
    {
        var text = Repo.Read(path);
        foreach (var line in text.Split('\n').Where(l => !l.TrimStart().StartsWith('#')))
        {
            Assert.DoesNotContain("Password", line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("ConnectionStrings__", line, StringComparison.Ordinal);
            Assert.DoesNotContain("IdToken", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Worker_gets_its_own_logins_credential_and_never_the_owners()
    {
        Assert.Equal(
            ["archive.pgpass:/etc/archiver/credentials/archive.pgpass", "checkpoint-key.pem:/etc/archiver/credentials/checkpoint-key.pem"],
            Unit["Service"]["LoadCredential"]);
        Assert.Contains("PGPASSFILE=%d/archive.pgpass", Unit["Service"]["Environment"]);
        Assert.DoesNotContain("owner", Active(UnitPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Example_environment_holds_no_secret_and_no_password()
    {
        var env = EnvFile(Repo.Read("deploy/systemd/archiver.env.example"));
        Assert.Contains("ConnectionStrings__Archive", env.Keys);
        Assert.False(ComposeTests.ConnectionString(env["ConnectionStrings__Archive"]).ContainsKey("Password"));
        Assert.DoesNotContain(env.Keys, k => k.EndsWith("__IdToken", StringComparison.Ordinal));
        Assert.Equal("127.0.0.1", env["Observability__Address"]); // on a host, loopback
        Assert.Equal("json", env["Logging__Console__FormatterName"]);
    }

    [Fact]
    public void Example_worker_environment_uses_the_limited_login_and_never_migrates()
    {
        var env = EnvFile(Repo.Read("deploy/systemd/archiver.env.example"));
        Assert.Equal("archiver_worker", ComposeTests.ConnectionString(env["ConnectionStrings__Archive"])["Username"]);
        Assert.Equal("false", env["Archive__MigrateOnStart"]);
    }

    // ---- archiver-migrate.service: the migrations, as the schema's owner, before the worker ----

    [Theory]
    [InlineData("Type", "oneshot")]          // runs to completion before the worker is started
    [InlineData("RemainAfterExit", "yes")]   // then stays active, so the worker's Requires= holds without a rerun
    [InlineData("ExecStart", "/usr/bin/dotnet /opt/archiver/archiver.dll migrate")]
    [InlineData("WorkingDirectory", "/opt/archiver")]
    [InlineData("EnvironmentFile", "/etc/archiver/migrate.env")]
    [InlineData("LoadCredential", "owner.pgpass:/etc/archiver/credentials/owner.pgpass")]
    [InlineData("Restart", "on-failure")]    // a database not reachable yet at boot
    [InlineData("DynamicUser", "yes")]       // its credential is unreadable to the worker's user `archiver`
    public void Migrate_unit_sets(string key, string value) => Assert.Equal(value, One(MigrateUnit, "Service", key));

    [Fact]
    public void Migrate_unit_runs_as_another_user_than_the_worker_with_its_own_files()
    {
        Assert.NotEqual(One("Service", "User"), One(MigrateUnit, "Service", "User"));
        Assert.NotEqual(One("Service", "EnvironmentFile"), One(MigrateUnit, "Service", "EnvironmentFile"));
        Assert.Contains("PGPASSFILE=%d/owner.pgpass", MigrateUnit["Service"]["Environment"]);
        Assert.False(MigrateUnit["Service"].ContainsKey("WatchdogSec")); // a oneshot never notifies
        // Pulled in by the worker, not enabled on its own.
        Assert.False(MigrateUnit.ContainsKey("Install"));
        Assert.Contains("network-online.target", Words(MigrateUnit, "Unit", "After"));
    }

    [Fact]
    public void Migrate_unit_has_the_same_hardening_as_the_worker()
    {
        foreach (var key in HardeningKeys)
        {
            Assert.Equal(One("Service", key), One(MigrateUnit, "Service", key));
        }
        Assert.Empty(Unit["Service"].Keys.Where(k => k.StartsWith("Protect", StringComparison.Ordinal) || k.StartsWith("Restrict", StringComparison.Ordinal) || k.StartsWith("Private", StringComparison.Ordinal)).Except(HardeningKeys));
        Assert.False(MigrateUnit["Service"].ContainsKey("MemoryDenyWriteExecute"), "MemoryDenyWriteExecute=yes makes the .NET runtime fail at start");
    }

    [Fact]
    public void Worker_requires_and_starts_after_the_migrations()
    {
        Assert.Contains("archiver-migrate.service", Words(Unit, "Unit", "Requires"));
        Assert.Contains("archiver-migrate.service", Words(Unit, "Unit", "After"));
        Assert.Equal("archiver-migrate.service", Path.GetFileName(MigrateUnitPath));
    }

    [Fact]
    public void Example_migrate_environment_names_the_owner_and_holds_no_password_and_nothing_of_the_worker()
    {
        var env = EnvFile(Repo.Read("deploy/systemd/migrate.env.example"));
        var owner = ComposeTests.ConnectionString(env["ConnectionStrings__Archive"]);
        Assert.Equal("archiver_owner", owner["Username"]);
        Assert.False(owner.ContainsKey("Password"));
        Assert.Equal(["ConnectionStrings__Archive"], env.Keys); // `archiver migrate` reads nothing else
        // The same database as the worker's.
        var worker = ComposeTests.ConnectionString(EnvFile(Repo.Read("deploy/systemd/archiver.env.example"))["ConnectionStrings__Archive"]);
        foreach (var key in new[] { "Host", "Port", "Database" })
            Assert.Equal(worker[key], owner[key]);
    }

    // ---- signed checkpoints: the key a credential of the worker's alone, the files under its StateDirectory= ----

    [Fact]
    public void Worker_signs_checkpoints_with_a_credential_never_an_inline_key()
    {
        var env = EnvironmentOf(Unit);
        var keyFile = env["Integrity__SigningKeyFile"];
        Assert.Equal("%d/checkpoint-key.pem", keyFile); // $CREDENTIALS_DIRECTORY: readable by this service's user only
        var credential = keyFile["%d/".Length..];
        Assert.Contains($"{credential}:/etc/archiver/credentials/{credential}", Unit["Service"]["LoadCredential"]);
        Assert.True(env.ContainsKey("Integrity__CheckpointDirectory"), "the worker refuses a key without a checkpoint directory");
        // Never inline: no SetCredential= with the key in the unit, no PEM in the unit or the environment file, and the
        // environment file does not name the key (its path is the credential's, which only the unit knows).
        Assert.DoesNotContain(Unit["Service"].Keys, k => k.StartsWith("SetCredential", StringComparison.Ordinal));
        Assert.DoesNotContain("PRIVATE KEY", Active(UnitPath), StringComparison.Ordinal);
        var example = Repo.Read("deploy/systemd/archiver.env.example");
        Assert.DoesNotContain("PRIVATE KEY", example, StringComparison.Ordinal);
        var exampleEnv = EnvFile(example);
        Assert.DoesNotContain("Integrity__SigningKeyFile", exampleEnv.Keys);
        Assert.DoesNotContain("Integrity__CheckpointDirectory", exampleEnv.Keys); // set once, in the unit, beside StateDirectory=
    }

    [Fact]
    public void Checkpoint_directory_is_under_the_units_StateDirectory_and_writable()
    {
        var state = One("Service", "StateDirectory");
        Assert.DoesNotContain('/', state);
        var directory = EnvironmentOf(Unit)["Integrity__CheckpointDirectory"];
        // Persistent: systemd creates /var/lib/<StateDirectory> owned by User=, and keeps it across restarts and reboots.
        Assert.True(directory == $"/var/lib/{state}" || directory.StartsWith($"/var/lib/{state}/", StringComparison.Ordinal),
            $"Integrity__CheckpointDirectory={directory} is not under StateDirectory={state} (/var/lib/{state})");
        // Writable: ProtectSystem=strict makes the file system read-only except the unit's own directories (the state
        // directory among them); nothing may take that back.
        Assert.Equal("strict", One("Service", "ProtectSystem"));
        Assert.False(Unit["Service"].ContainsKey("DynamicUser"), "with DynamicUser= the state directory moves to /var/lib/private");
        foreach (var key in new[] { "ReadOnlyPaths", "InaccessiblePaths", "TemporaryFileSystem" })
            Assert.False(Unit["Service"].ContainsKey(key), $"{key}= could hide or lock the checkpoint directory");
    }

    [Fact]
    public void Migrate_unit_never_gets_the_checkpoint_key()
    {
        var active = Active(MigrateUnitPath);
        Assert.DoesNotContain("checkpoint", active, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Integrity__", active, StringComparison.Ordinal);
        Assert.Equal(["owner.pgpass:/etc/archiver/credentials/owner.pgpass"], MigrateUnit["Service"]["LoadCredential"]);
        Assert.False(MigrateUnit["Service"].ContainsKey("StateDirectory")); // it keeps no files
        Assert.DoesNotContain(EnvFile(Repo.Read("deploy/systemd/migrate.env.example")).Keys, k => k.StartsWith("Integrity__", StringComparison.Ordinal));
    }

    [Fact]
    public void Sysusers_file_creates_the_units_user()
    {
        var line = Repo.Read("deploy/systemd/archiver.sysusers.conf").Split('\n').Single(l => l.StartsWith("u ", StringComparison.Ordinal));
        Assert.StartsWith("u archiver ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Systemd_analyze_verify_reports_nothing_when_available()
    {
        var tool = Tools.FindOrReport("systemd-analyze", output);
        if (tool is null)
            return;
        // verify warns on stderr (unknown keys, bad values) yet exits 0, so any output at all is a failure. It also
        // checks that ExecStart's binary exists: /usr/bin/dotnet, as on a host with the .NET runtime installed.
        // Both units side by side: archiver.service Requires= archiver-migrate.service, which verify resolves from the
        // directory of the units given (without it, verify fails: "Unit archiver-migrate.service not found").
        var dir = Directory.CreateTempSubdirectory("archiver-unit-").FullName;
        try
        {
            var units = new[] { UnitPath, MigrateUnitPath }.Select(u => Path.Combine(dir, Path.GetFileName(u))).ToList();
            File.Copy(Repo.PathOf(UnitPath), units[0]);
            File.Copy(Repo.PathOf(MigrateUnitPath), units[1]);
            var result = Tools.Run(tool, ["verify", "--man=no", .. units], dir, TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0 && result.Output.Length == 0, $"systemd-analyze verify: exit {result.ExitCode}\n{result.Output}");
            output.WriteLine("systemd-analyze verify archiver.service archiver-migrate.service: no findings");

            // The check itself: a broken migration unit is reported through the worker's dependency too.
            File.WriteAllText(units[1], File.ReadAllText(units[1]).Replace("Type=oneshot", "Type=oneshto", StringComparison.Ordinal));
            var broken = Tools.Run(tool, ["verify", "--man=no", units[0]], dir, TimeSpan.FromSeconds(60));
            Assert.Contains("oneshto", broken.Output, StringComparison.Ordinal);
            File.Copy(Repo.PathOf(MigrateUnitPath), units[1], overwrite: true);

            foreach (var unit in units)
            {
                var security = Tools.Run(tool, ["security", "--offline=true", unit], dir, TimeSpan.FromSeconds(60));
                output.WriteLine(security.Output.Split('\n').LastOrDefault(l => l.Contains("Overall exposure", StringComparison.Ordinal)) ?? $"(systemd-analyze security --offline {Path.GetFileName(unit)}: no summary)");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static Dictionary<string, Dictionary<string, List<string>>> ParseUnit(string text)
    {
        var sections = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        Dictionary<string, List<string>>? current = null;
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';'))
                continue;
            Assert.False(line.EndsWith('\\'), $"line {number}: continuation lines are not used in this unit");
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                var name = line[1..^1];
                Assert.False(sections.ContainsKey(name), $"line {number}: section [{name}] twice");
                sections[name] = current = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                continue;
            }
            Assert.True(current is not null, $"line {number}: an assignment outside a section");
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(eq > 0, $"line {number}: not KEY=VALUE: {line}");
            var key = line[..eq].Trim();
            if (!current!.TryGetValue(key, out var values))
                current[key] = values = [];
            values.Add(line[(eq + 1)..].Trim());
        }
        Assert.True(sections.Keys.SequenceEqual(["Unit", "Service", "Install"]) || sections.Keys.SequenceEqual(["Unit", "Service"]),
            "sections must be [Unit], [Service] and optionally [Install], in that order: " + string.Join(", ", sections.Keys));
        return sections;
    }

    internal static Dictionary<string, string> EnvFile(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}
