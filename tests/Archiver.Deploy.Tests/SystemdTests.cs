namespace Archiver.Deploy.Tests;

/// <summary>deploy/systemd: the unit's service type, restarts, user, hardening and secrets, and its example environment.</summary>
public sealed class SystemdTests(ITestOutputHelper output)
{
    private const string UnitPath = "deploy/systemd/archiver.service";

    /// <summary>section → key → every value assigned (a unit may assign a key several times).</summary>
    private static Dictionary<string, Dictionary<string, List<string>>> Unit { get; } = ParseUnit(Repo.Read(UnitPath));

    private static string One(string section, string key)
    {
        var values = Unit.TryGetValue(section, out var keys) ? keys.GetValueOrDefault(key) : null;
        Assert.True(values is not null, $"[{section}] {key}= is missing");
        return Assert.Single(values);
    }

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

    [Fact]
    public void Secrets_come_from_credentials_and_the_environment_file_never_the_unit()
    {
        var text = Repo.Read(UnitPath);
        foreach (var line in text.Split('\n').Where(l => !l.TrimStart().StartsWith('#')))
        {
            Assert.DoesNotContain("Password", line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("ConnectionStrings__", line, StringComparison.Ordinal);
            Assert.DoesNotContain("IdToken", line, StringComparison.Ordinal);
        }
        Assert.Contains("archive.pgpass:/etc/archiver/credentials/archive.pgpass", Unit["Service"]["LoadCredential"]);
        Assert.Contains("PGPASSFILE=%d/archive.pgpass", Unit["Service"]["Environment"]);
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
        var dir = Directory.CreateTempSubdirectory("archiver-unit-").FullName;
        try
        {
            File.Copy(Repo.PathOf(UnitPath), Path.Combine(dir, "archiver.service"));
            var result = Tools.Run(tool, ["verify", "--man=no", Path.Combine(dir, "archiver.service")], dir, TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0 && result.Output.Length == 0, $"systemd-analyze verify: exit {result.ExitCode}\n{result.Output}");
            output.WriteLine("systemd-analyze verify: no findings");
            var security = Tools.Run(tool, ["security", "--offline=true", Path.Combine(dir, "archiver.service")], dir, TimeSpan.FromSeconds(60));
            output.WriteLine(security.Output.Split('\n').LastOrDefault(l => l.Contains("Overall exposure", StringComparison.Ordinal)) ?? "(systemd-analyze security --offline: no summary)");
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
        Assert.Equal(["Unit", "Service", "Install"], sections.Keys);
        return sections;
    }

    internal static Dictionary<string, string> EnvFile(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}
