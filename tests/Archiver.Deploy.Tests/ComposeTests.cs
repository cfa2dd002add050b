using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Archiver.Deploy.Tests;

/// <summary>
/// docker-compose.yml: services wired by name, health checks, start order, secrets, the named volumes, and least
/// privilege: migrations as a separate one-shot service with the schema owner's login, the worker as a limited login
/// that signs checkpoints with a key from a secret file and writes them to a named volume.
/// </summary>
public sealed partial class ComposeTests(ITestOutputHelper output)
{
    private static readonly string[] SelfContainedModes = ["Signup", "Unauthenticated"];

    private static readonly JsonNode Compose = Yaml.Load(Repo.Read("docker-compose.yml"), "docker-compose.yml");

    private const string OwnerLogin = "archiver_owner";
    private const string WorkerLogin = "archiver_worker";
    private const string InitDbDirectory = "deploy/compose/initdb";

    private static JsonNode Service(string name) => Compose.At("services." + name) ?? throw new InvalidDataException($"no service {name}");

    private static List<string> Strings(JsonNode? node, string path) => node.Arr(path).Select(t => t!.ToString()).ToList();

    private static Dictionary<string, string> ConnectionOf(string service) =>
        ConnectionString(Service(service).StringMap("environment")["ConnectionStrings__Archive"]);

    /// <summary>The file behind a declared compose secret, as text.</summary>
    private static string SecretFile(string name) => Repo.Read(Compose.Str($"secrets.{name}.file")!.TrimStart('.', '/'));

    /// <summary>The one entry of a PostgreSQL password file: host, port, database, user, password.</summary>
    private static string[] PgpassEntry(string secret) =>
        SecretFile(secret).Split('\n').Select(l => l.Trim()).Single(l => l.Length > 0 && !l.StartsWith('#')).Split(':');

    /// <summary>The secret a connection string's Passfile= names (/run/secrets/NAME), which its service must mount.</summary>
    private static string PassfileSecret(string service)
    {
        var passfile = ConnectionOf(service)["Passfile"];
        Assert.StartsWith("/run/secrets/", passfile, StringComparison.Ordinal);
        var secret = passfile["/run/secrets/".Length..];
        Assert.Contains(secret, Strings(Service(service), "secrets"));
        return secret;
    }

    /// <summary>The secret the worker's Integrity__SigningKeyFile names (/run/secrets/NAME), which it must mount.</summary>
    private static string CheckpointKeySecret(string service = "worker")
    {
        var worker = Service(service);
        var keyFile = worker.StringMap("environment")["Integrity__SigningKeyFile"];
        Assert.StartsWith("/run/secrets/", keyFile, StringComparison.Ordinal);
        var secret = keyFile["/run/secrets/".Length..];
        Assert.Contains(secret, Strings(worker, "secrets"));
        return secret;
    }

    [Fact]
    public void Has_exactly_postgres_the_simulator_the_migrations_the_worker_and_the_console()
    {
        Assert.Equal(["console", "migrate", "postgres", "simulator", "worker"], Compose.Obj("services").Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.Null(Compose.At("version")); // obsolete in the Compose Specification
    }

    [Fact]
    public void Postgres_is_15_on_a_named_volume_with_a_pg_isready_health_check()
    {
        var postgres = Service("postgres");
        var image = postgres.Str("image")!;
        Assert.Matches(@"^postgres:15(\.\d+)?(-[a-z0-9.]+)?$", image); // a tag, and not `latest`
        var volume = Assert.Single(Strings(postgres, "volumes"), v => v.Split(':')[1] == "/var/lib/postgresql/data");
        var name = volume.Split(':')[0];
        Assert.Matches(@"^[a-z][a-z0-9_-]*$", name); // a named volume, not a bind mount of a host path
        Assert.True(Compose.Obj("volumes").ContainsKey(name), $"volume {name} is not declared at the top level");
        var test = postgres.Arr("healthcheck.test").Select(t => t!.ToString()).ToList();
        Assert.Equal("CMD", test[0]);
        Assert.Equal("pg_isready", test[1]);
        Assert.Contains(postgres.Str("environment.POSTGRES_USER"), test);
        Assert.Contains(postgres.Str("environment.POSTGRES_DB"), test);
        // 127.0.0.1: the image's initialisation server (the one running the init scripts) listens on the socket only.
        Assert.Equal("127.0.0.1", test[test.IndexOf("-h") + 1]);
    }

    [Fact]
    public void Postgres_superuser_is_the_schema_owner_and_its_init_script_is_mounted_read_only()
    {
        var postgres = Service("postgres");
        Assert.Equal(OwnerLogin, postgres.Str("environment.POSTGRES_USER"));
        Assert.Null(postgres.At("environment.POSTGRES_PASSWORD"));
        var init = Assert.Single(Strings(postgres, "volumes"), v => v.Split(':')[1] == "/docker-entrypoint-initdb.d");
        Assert.Equal(["./" + InitDbDirectory, "/docker-entrypoint-initdb.d", "ro"], init.Split(':'));
        var scripts = Directory.GetFiles(Repo.PathOf(InitDbDirectory)).Select(Path.GetFileName).ToList();
        // The image also runs *.sql: nothing else may sit there by accident. It runs them in name order.
        Assert.Equal(["10-worker-login.sh", "20-console-login.sh"], scripts.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("simulator")]
    [InlineData("worker")]
    [InlineData("console")]
    public void Every_long_running_service_has_a_complete_health_check(string name)
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
        foreach (var name in new[] { "simulator", "worker", "console" })
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
    public void Migrate_is_the_workers_image_with_the_argument_migrate_and_no_health_check()
    {
        var migrate = Service("migrate");
        var worker = Service("worker");
        foreach (var key in new[] { "build.context", "build.dockerfile", "build.target", "image" })
            Assert.Equal(worker.Str(key), migrate.Str(key));
        // command: replaces the image's CMD and is appended to its ENTRYPOINT: `dotnet archiver.dll migrate`.
        Assert.Equal(["migrate"], Strings(migrate, "command"));
        Assert.Null(migrate.At("entrypoint"));
        var dockerfile = Dockerfile.Load(migrate.Str("build.dockerfile")!);
        var stage = dockerfile.Named(migrate.Str("build.target")!);
        Assert.Equal(["dotnet", "archiver.dll"], stage.Last("ENTRYPOINT")!.ExecForm());
        Assert.Null(stage.Last("CMD"));
        // A one-shot command: the image's HEALTHCHECK asks the worker's /health/ready, which `migrate` never serves.
        Assert.Equal(true, migrate.At("healthcheck.disable")?.GetValue<bool>());
        Assert.Equal("no", migrate.Str("restart")); // it must end, so that the worker's condition can be met (or fail)
        Assert.Null(migrate.At("ports"));
        Assert.Equal(true, migrate.At("read_only")?.GetValue<bool>());
    }

    [Fact]
    public void Migrate_runs_as_the_owner_after_postgres_is_healthy_and_gets_nothing_else()
    {
        var migrate = Service("migrate");
        Assert.Equal(["postgres"], migrate.Obj("depends_on").Select(d => d.Key));
        Assert.Equal("service_healthy", migrate.Str("depends_on.postgres.condition"));
        var connection = ConnectionOf("migrate");
        Assert.Equal("postgres", connection["Host"]);
        Assert.Equal(Service("postgres").Str("environment.POSTGRES_DB"), connection["Database"]);
        Assert.Equal(OwnerLogin, connection["Username"]);
        Assert.Equal(Service("postgres").Str("environment.POSTGRES_USER"), connection["Username"]);
        Assert.False(connection.ContainsKey("Password"));
        // Only what `archiver migrate` reads: the owner's process never sees the worker's configuration.
        Assert.Equal(["ConnectionStrings__Archive"], migrate.StringMap("environment").Keys);
    }

    [Fact]
    public void Worker_starts_only_after_the_migrations_completed_and_never_migrates_itself()
    {
        var worker = Service("worker");
        Assert.Equal("service_completed_successfully", worker.Str("depends_on.migrate.condition"));
        var env = worker.StringMap("environment");
        Assert.Equal("false", env["Archive__MigrateOnStart"]);
        var connection = ConnectionOf("worker");
        Assert.Equal(WorkerLogin, connection["Username"]);
        Assert.NotEqual(Service("postgres").Str("environment.POSTGRES_USER"), connection["Username"]);
        Assert.Equal(ConnectionOf("migrate")["Database"], connection["Database"]);
        // Still scalable: `docker compose up -d --scale worker=3` needs no fixed name and no host port.
        Assert.Null(worker.At("container_name"));
        Assert.Null(worker.At("ports"));
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
        Assert.Equal(WorkerLogin, connection["Username"]); // the limited login, not POSTGRES_USER (the owner)

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
        Assert.DoesNotMatch(@"(?i)password[ \t]*[=:][ \t]*[^/\s]", Regex.Replace(text, @"(POSTGRES|ARCHIVER_WORKER|ARCHIVER_CONSOLE)_PASSWORD_FILE: /run/secrets/\w+", ""));
        Assert.DoesNotContain("POSTGRES_PASSWORD:", text, StringComparison.Ordinal);

        var secrets = Compose.Obj("secrets");
        foreach (var service in Compose.Obj("services"))
        {
            foreach (var used in (service.Value.At("secrets") as JsonArray ?? []))
                Assert.True(secrets.ContainsKey(used!.ToString()), $"{service.Key} uses undeclared secret {used}");
        }

        // The owner: POSTGRES_PASSWORD_FILE for the postgres service, and the password file `migrate` connects with.
        var postgres = Service("postgres");
        var ownerSecret = PostgresSecret("POSTGRES_PASSWORD_FILE");
        var ownerPassword = SecretFile(ownerSecret).TrimEnd('\n');
        Assert.Contains("dev-only", ownerPassword, StringComparison.Ordinal); // labelled as what it is
        var owner = ConnectionOf("migrate");
        Assert.False(owner.ContainsKey("Password"));
        Assert.Equal([owner["Host"], owner["Port"], owner["Database"], owner["Username"], ownerPassword], PgpassEntry(PassfileSecret("migrate")));

        // The worker: the password the init script gives archiver_worker, and the password file the worker connects with.
        var workerPassword = SecretFile(PostgresSecret("ARCHIVER_WORKER_PASSWORD_FILE")).TrimEnd('\n');
        Assert.Contains("dev-only", workerPassword, StringComparison.Ordinal);
        var worker = ConnectionOf("worker");
        Assert.False(worker.ContainsKey("Password"));
        Assert.Equal([worker["Host"], worker["Port"], worker["Database"], worker["Username"], workerPassword], PgpassEntry(PassfileSecret("worker")));

        Assert.NotEqual(ownerPassword, workerPassword);
        Assert.DoesNotContain(':', ownerPassword + workerPassword); // would need escaping in a password file
        Assert.DoesNotContain('\\', ownerPassword + workerPassword);

        string PostgresSecret(string variable)
        {
            var path = postgres.Str("environment." + variable)!;
            Assert.StartsWith("/run/secrets/", path, StringComparison.Ordinal);
            var name = path["/run/secrets/".Length..];
            Assert.Contains(name, Strings(postgres, "secrets"));
            return name;
        }
    }

    [Fact]
    public void No_service_but_postgres_and_migrate_gets_the_owners_password()
    {
        var ownerPassword = SecretFile(Service("postgres").Str("environment.POSTGRES_PASSWORD_FILE")!["/run/secrets/".Length..]).TrimEnd('\n');
        var mounted = Compose.Obj("services").ToDictionary(s => s.Key, s => s.Value.At("secrets") is JsonArray a ? a.Select(x => x!.ToString()).ToList() : [], StringComparer.Ordinal);
        foreach (var (service, secrets) in mounted)
        {
            foreach (var secret in secrets.Where(x => SecretFile(x).Contains(ownerPassword, StringComparison.Ordinal)))
                Assert.True(service is "postgres" or "migrate", $"{service} mounts {secret}, which holds the owner's password");
            // Nor through the environment: no service names the owner's login but postgres (POSTGRES_USER) and migrate.
            if (service is not ("postgres" or "migrate"))
                Assert.DoesNotContain(Service(service).StringMap("environment").Values, v => v.Contains(OwnerLogin, StringComparison.Ordinal));
        }
        Assert.Equal([PassfileSecret("worker"), CheckpointKeySecret()], mounted["worker"]);
        Assert.Equal([PassfileSecret("migrate")], mounted["migrate"]);
        Assert.Empty(mounted["simulator"]);
    }

    // ---- signed checkpoints: the key a secret file of the worker's alone, the files on a named volume ----

    [Fact]
    public void Worker_signs_checkpoints_with_a_key_from_a_secret_file_never_inline()
    {
        var secret = CheckpointKeySecret();
        Assert.NotNull(Compose.Str($"secrets.{secret}.file")); // a file, not `environment:` or `content:` in this file
        Assert.Null(Compose.At($"secrets.{secret}.environment"));
        Assert.Null(Compose.At($"secrets.{secret}.content"));
        Assert.False(string.IsNullOrEmpty(Service("worker").StringMap("environment").GetValueOrDefault("Integrity__CheckpointDirectory")),
            "the worker refuses a signing key without Integrity__CheckpointDirectory");
        Assert.DoesNotContain("PRIVATE KEY", Repo.Read("docker-compose.yml"), StringComparison.Ordinal);

        // The dev key: labelled as what it is, and what the worker accepts — an ECDSA P-256 private key, PKCS#8 PEM.
        var pem = SecretFile(secret);
        Assert.Contains("DEVELOPMENT-ONLY", pem, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(pem, "-----BEGIN PRIVATE KEY-----"));
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        Assert.Equal(256, key.KeySize);
        var parameters = key.ExportParameters(includePrivateParameters: true);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, parameters.Curve.Oid.Value);
        Assert.NotNull(parameters.D);
        Assert.True(new DockerIgnore(Repo.Read(".dockerignore")).Excludes(Compose.Str($"secrets.{secret}.file")!.TrimStart('.', '/')),
            "the checkpoint key would enter the image build context");
    }

    [Fact]
    public void Worker_writes_checkpoints_to_a_named_volume_it_can_write()
    {
        var worker = Service("worker");
        var directory = worker.StringMap("environment")["Integrity__CheckpointDirectory"];
        var volume = Assert.Single(Strings(worker, "volumes"), v => v.Split(':')[1] == directory).Split(':');
        Assert.Equal(2, volume.Length); // name:target, not :ro
        Assert.Matches(@"^[a-z][a-z0-9_-]*$", volume[0]); // a named volume: it outlives the containers
        Assert.True(Compose.Obj("volumes").ContainsKey(volume[0]), $"volume {volume[0]} is not declared at the top level");
        Assert.NotEqual("archiver-pg", volume[0]); // not the database's
        Assert.Equal(true, worker.At("read_only")?.GetValue<bool>()); // the root stays read-only; the volume is writable

        // A new named volume copies the image's directory, owner included: the worker's image must create it for its
        // non-root user before switching to that user, or the volume's root is root's and the worker cannot write.
        var stage = Dockerfile.Load(worker.Str("build.dockerfile")!).Named(worker.Str("build.target")!);
        var create = Assert.Single(stage.All("RUN"), r => r.Arguments.Contains(directory, StringComparison.Ordinal));
        Assert.Matches($@"mkdir -p {Regex.Escape(directory)}\b", create.Arguments);
        Assert.Matches($@"chown ""?\$\{{?APP_UID\}}?:\$\{{?APP_UID\}}?""? {Regex.Escape(directory)}\b", create.Arguments);
        Assert.Equal("$APP_UID", stage.Last("USER")!.Arguments);
        Assert.True(create.Line < stage.Last("USER")!.Line, "the directory is created as root, before USER");
    }

    [Fact]
    public void Migrate_gets_neither_the_checkpoint_key_nor_the_checkpoint_volume()
    {
        var secret = CheckpointKeySecret();
        var migrate = Service("migrate");
        Assert.DoesNotContain(secret, Strings(migrate, "secrets"));
        Assert.DoesNotContain(migrate.StringMap("environment").Keys, k => k.StartsWith("Integrity__", StringComparison.Ordinal));
        Assert.Null(migrate.At("volumes"));
        // Nor any other service: the key is the worker's and the console's (a signed export takes a checkpoint) alone.
        foreach (var service in Compose.Obj("services").Where(s => s.Key is not ("worker" or "console")))
            Assert.DoesNotContain(secret, service.Value.At("secrets") is JsonArray a ? a.Select(x => x!.ToString()) : []);
    }

    [Fact]
    public void Init_script_creates_archiver_writer_if_missing_and_the_worker_login_in_it_with_the_secrets_password()
    {
        var run = RunInitScript("10-worker-login.sh", "ARCHIVER_WORKER_PASSWORD_FILE", "worker_password");
        Assert.Contains("--set=worker_password=" + SecretFile("worker_password").TrimEnd('\n'), run.Args);
        Assert.Contains("SELECT 'CREATE ROLE archiver_writer NOLOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'archiver_writer') \\gexec", run.Sql, StringComparison.Ordinal);
        Assert.Contains("format('CREATE ROLE archiver_worker LOGIN PASSWORD %L IN ROLE archiver_writer', :'worker_password') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'archiver_worker') \\gexec", run.Sql, StringComparison.Ordinal);
        Assert.Contains("GRANT archiver_writer TO archiver_worker;", run.Sql, StringComparison.Ordinal);
    }

    /// <summary>What an init script sent to psql: its arguments and its SQL, whitespace collapsed.</summary>
    private sealed record InitScriptRun(string[] Args, string Sql);

    /// <summary>
    /// Runs an init script for real with bash, with a stand-in psql on PATH that records its arguments and the SQL it is
    /// fed: the script must read the password from the file the postgres service mounts, hand it over as a psql
    /// variable (never in the SQL text or a command line it builds), connect as the owner with ON_ERROR_STOP, grant
    /// nothing beyond a login's membership, and fail naming the secret when its file is missing.
    /// </summary>
    private static InitScriptRun RunInitScript(string name, string passwordVariable, string secretName)
    {
        var script = InitDbDirectory + "/" + name;
        var bash = Tools.Find("bash");
        Assert.NotNull(bash);
        if (!OperatingSystem.IsWindows())
            Assert.True((File.GetUnixFileMode(Repo.PathOf(script)) & UnixFileMode.UserExecute) != 0, $"{script} is not executable");
        var text = Repo.Read(script);
        Assert.DoesNotContain("dev-only", text, StringComparison.Ordinal);

        var postgres = Service("postgres");
        var passwordFile = postgres.Str("environment." + passwordVariable)!;
        Assert.Equal("/run/secrets/" + secretName, passwordFile);
        Assert.Contains(secretName, Strings(postgres, "secrets"));
        var password = SecretFile(secretName).TrimEnd('\n');
        var dir = Directory.CreateTempSubdirectory("archiver-initdb-").FullName;
        try
        {
            var secretCopy = Path.Combine(dir, secretName);
            File.WriteAllText(secretCopy, password + "\n");
            var bin = Directory.CreateDirectory(Path.Combine(dir, "bin")).FullName;
            var psql = Path.Combine(bin, "psql");
            File.WriteAllText(psql, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > \"$STUB_DIR/args\"\ncat > \"$STUB_DIR/stdin\"\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(psql, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var environment = new Dictionary<string, string?>
            {
                ["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
                ["STUB_DIR"] = dir,
                ["POSTGRES_USER"] = postgres.Str("environment.POSTGRES_USER"),
                ["POSTGRES_DB"] = postgres.Str("environment.POSTGRES_DB"),
                [passwordVariable] = secretCopy,
            };
            var run = Tools.Run(bash!, [Repo.PathOf(script)], dir, TimeSpan.FromSeconds(30), environment);
            Assert.True(run.ExitCode == 0, $"{script}: exit {run.ExitCode}\n{run.Output}");

            var args = File.ReadAllLines(Path.Combine(dir, "args"));
            Assert.Equal(OwnerLogin, args[Array.IndexOf(args, "--username") + 1]);
            Assert.Equal("archiver", args[Array.IndexOf(args, "--dbname") + 1]);
            Assert.Contains("ON_ERROR_STOP=1", args);
            Assert.Contains(args, a => a.StartsWith("--set=", StringComparison.Ordinal) && a.EndsWith("_password=" + password, StringComparison.Ordinal));
            var sql = Regex.Replace(File.ReadAllText(Path.Combine(dir, "stdin")), @"\s+", " ");
            Assert.DoesNotContain(password, sql, StringComparison.Ordinal);
            // Nothing more than a login in a group role (NOSUPERUSER and the like are fine: \b keeps them apart).
            Assert.DoesNotMatch(@"\b(SUPERUSER|CREATEDB|CREATEROLE|REPLICATION|BYPASSRLS|ADMIN)\b", sql);

            // A missing password file stops the initialisation (and so the postgres service) instead of a login without one.
            environment[passwordVariable] = Path.Combine(dir, "absent");
            var missing = Tools.Run(bash!, [Repo.PathOf(script)], dir, TimeSpan.FromSeconds(30), environment);
            Assert.NotEqual(0, missing.ExitCode);
            Assert.Contains(secretName, missing.Stderr, StringComparison.Ordinal);
            return new InitScriptRun(args, sql);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
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
