using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Archiver.Deploy.Tests;

/// <summary>docker-compose.yml: services wired by name, health checks, start order, secrets, the named volume.</summary>
public sealed partial class ComposeTests(ITestOutputHelper output)
{
    private static readonly string[] SelfContainedModes = ["Signup", "Unauthenticated"];

    private static readonly JsonNode Compose = Yaml.Load(Repo.Read("docker-compose.yml"), "docker-compose.yml");

    private static JsonNode Service(string name) => Compose.At("services." + name) ?? throw new InvalidDataException($"no service {name}");

    [Fact]
    public void Has_exactly_postgres_the_simulator_and_the_worker()
    {
        Assert.Equal(["postgres", "simulator", "worker"], Compose.Obj("services").Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.Null(Compose.At("version")); // obsolete in the Compose Specification
    }

    [Fact]
    public void Postgres_is_15_on_a_named_volume_with_a_pg_isready_health_check()
    {
        var postgres = Service("postgres");
        var image = postgres.Str("image")!;
        Assert.Matches(@"^postgres:15(\.\d+)?(-[a-z0-9.]+)?$", image); // a tag, and not `latest`
        var volume = Assert.Single(postgres.Arr("volumes"))!.ToString();
        var (name, mountPath) = (volume.Split(':')[0], volume.Split(':')[1]);
        Assert.Equal("/var/lib/postgresql/data", mountPath);
        Assert.Matches(@"^[a-z][a-z0-9_-]*$", name); // a named volume, not a bind mount of a host path
        Assert.True(Compose.Obj("volumes").ContainsKey(name), $"volume {name} is not declared at the top level");
        var test = postgres.Arr("healthcheck.test").Select(t => t!.ToString()).ToList();
        Assert.Equal("CMD", test[0]);
        Assert.Equal("pg_isready", test[1]);
        Assert.Contains(postgres.Str("environment.POSTGRES_USER"), test);
        Assert.Contains(postgres.Str("environment.POSTGRES_DB"), test);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("simulator")]
    [InlineData("worker")]
    public void Every_service_has_a_complete_health_check(string name)
    {
        var check = Service(name).Obj("healthcheck");
        Assert.NotEmpty(check.Arr("test"));
        foreach (var key in new[] { "interval", "timeout", "start_period" })
            Assert.Matches(@"^\d+(ms|s|m)$", check.Str(key));
        Assert.True(check.At("retries")?.GetValue<long>() >= 3);
    }

    [Fact]
    public void Images_built_here_use_the_Dockerfiles_and_their_health_checks_use_a_tool_the_image_has()
    {
        foreach (var name in new[] { "simulator", "worker" })
        {
            var service = Service(name);
            Assert.Equal(".", service.Str("build.context"));
            var dockerfile = Dockerfile.Load(service.Str("build.dockerfile")!);
            var stage = service.Str("build.target") is { } target ? dockerfile.Named(target) : dockerfile.Default;
            var test = service.Arr("healthcheck.test").Select(t => t!.ToString()).ToList();
            Assert.Equal("CMD", test[0]);
            Assert.Equal("wget", test[1]);
            Assert.EndsWith("-alpine", stage.Image, StringComparison.Ordinal); // busybox wget; chiseled images have none
            Assert.DoesNotContain(":latest", service.Str("image") ?? "", StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Simulator_listens_on_all_interfaces_and_its_health_check_asks_its_port()
    {
        var simulator = Service("simulator");
        var command = simulator.Arr("command").Select(c => c!.ToString()).ToList();
        Assert.Equal("0.0.0.0", command[command.IndexOf("--address") + 1]);
        Assert.Equal("demo", command[command.IndexOf("--scenario") + 1]);
        var port = command[command.IndexOf("--port") + 1];
        Assert.Equal("8080", port);
        Assert.Contains(simulator.Arr("healthcheck.test"), t => t!.ToString() == $"http://127.0.0.1:{port}/control/stats");
        Assert.All(simulator.Arr("ports"), p => Assert.StartsWith("127.0.0.1:", p!.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void Worker_starts_after_healthy_postgres_and_simulator_and_finds_them_by_service_name()
    {
        var worker = Service("worker");
        Assert.Equal("service_healthy", worker.Str("depends_on.postgres.condition"));
        Assert.Equal("service_healthy", worker.Str("depends_on.simulator.condition"));

        var env = worker.StringMap("environment");
        var connection = ConnectionString(env["ConnectionStrings__Archive"]);
        Assert.Equal("postgres", connection["Host"]);
        Assert.Equal(Service("postgres").Str("environment.POSTGRES_DB"), connection["Database"]);
        Assert.Equal(Service("postgres").Str("environment.POSTGRES_USER"), connection["Username"]);

        var simulatorCommand = Service("simulator").Arr("command").Select(c => c!.ToString()).ToList();
        Assert.Equal($"http://simulator:{simulatorCommand[simulatorCommand.IndexOf("--port") + 1]}", env["LivePerson__CsdsUrl"]);
        Assert.Equal("false", env["LivePerson__Tls"]);
        Assert.Equal("12345678", env["LivePerson__AccountId"]); // the simulator's default --account
    }

    [Fact]
    public void Worker_runs_two_consumers_of_modes_the_simulator_serves_without_extra_files()
    {
        var env = Service("worker").StringMap("environment");
        var indexes = env.Keys.Select(k => ConsumerKey().Match(k)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Equal(2, indexes.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in indexes)
        {
            Assert.True(names.Add(env[$"LivePerson__Consumers__{i}__Name"]), "consumer names must be unique");
            var mode = env[$"LivePerson__Consumers__{i}__Mode"];
            Assert.Contains(mode, SelfContainedModes); // Authenticated would need a brand key pair mounted
            if (mode == "Unauthenticated")
                Assert.False(string.IsNullOrEmpty(env.GetValueOrDefault($"LivePerson__Consumers__{i}__ConnectorId")));
        }
    }

    [Fact]
    public void Worker_serves_health_and_metrics_on_the_port_its_health_check_asks()
    {
        var worker = Service("worker");
        var env = worker.StringMap("environment");
        Assert.Equal("0.0.0.0", env["Observability__Address"]);
        Assert.Equal("9400", env["Observability__Port"]);
        Assert.Contains(worker.Arr("healthcheck.test"), t => t!.ToString() == "http://127.0.0.1:9400/health/ready");
        Assert.Contains(worker.Arr("expose"), p => p!.ToString() == "9400");
        Assert.Null(worker.At("ports")); // `--scale worker=N` must not collide on a host port
        Assert.Null(worker.At("container_name"));
        Assert.Equal("json", env["Logging__Console__FormatterName"]);
    }

    [Fact]
    public void Worker_gets_more_than_the_hosts_30_second_drain_before_SIGKILL()
    {
        var grace = Service("worker").Str("stop_grace_period")!;
        var match = Regex.Match(grace, @"^(\d+)(s|m)$");
        Assert.True(match.Success, grace);
        var seconds = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * (match.Groups[2].Value == "m" ? 60 : 1);
        Assert.True(seconds >= 45, $"stop_grace_period {grace}: Docker's default is 10 s, the worker drains for up to 30 s");
    }

    [Fact]
    public void No_password_is_inline_and_the_dev_secret_files_agree()
    {
        var text = Repo.Read("docker-compose.yml");
        Assert.DoesNotMatch(@"(?i)password[ \t]*[=:][ \t]*[^/\s]", Regex.Replace(text, @"POSTGRES_PASSWORD_FILE: /run/secrets/\w+", ""));
        Assert.DoesNotContain("POSTGRES_PASSWORD:", text, StringComparison.Ordinal);

        var secrets = Compose.Obj("secrets");
        foreach (var service in Compose.Obj("services"))
        {
            foreach (var used in (service.Value.At("secrets") as JsonArray ?? []))
                Assert.True(secrets.ContainsKey(used!.ToString()), $"{service.Key} uses undeclared secret {used}");
        }
        string SecretFile(string name) => Repo.Read(secrets.Str(name + ".file")!.TrimStart('.', '/'));

        var postgres = Service("postgres");
        Assert.Equal("/run/secrets/postgres_password", postgres.Str("environment.POSTGRES_PASSWORD_FILE"));
        var password = SecretFile("postgres_password").TrimEnd('\n');
        Assert.Contains("dev-only", password, StringComparison.Ordinal); // labelled as what it is

        var connection = ConnectionString(Service("worker").StringMap("environment")["ConnectionStrings__Archive"]);
        Assert.False(connection.ContainsKey("Password"));
        Assert.Equal("/run/secrets/archive_pgpass", connection["Passfile"]);
        var entry = SecretFile("archive_pgpass").Split('\n').Select(l => l.Trim()).Single(l => l.Length > 0 && !l.StartsWith('#')).Split(':');
        Assert.Equal([connection["Host"], connection["Port"], connection["Database"], connection["Username"], password], entry);
    }

    [Fact]
    public void Docker_compose_config_accepts_the_file_when_docker_compose_is_installed()
    {
        // `docker-compose config` (Debian's docker-compose) validates against the Compose schema without an engine.
        var tool = Tools.FindOrReport("docker-compose", output);
        if (tool is null)
            return;
        var result = Tools.Run(tool, ["-f", "docker-compose.yml", "config", "-q"], Repo.Root, TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0 && result.Output.Length == 0, $"docker-compose config: exit {result.ExitCode}\n{result.Output}");
        output.WriteLine("docker-compose config -q: valid");
    }

    internal static Dictionary<string, string> ConnectionString(string text) =>
        text.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);

    [GeneratedRegex(@"^LivePerson__Consumers__(\d+)__")]
    private static partial Regex ConsumerKey();
}
