using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Archiver.Deploy.Tests;

/// <summary>
/// docker-compose.yml's `console` service: the worker's image running `archiver console` after the migrations, as its
/// own login (a member of archiver_console only, created by the second init script), published on the host's loopback
/// only, its secrets as files, its data-protection keys on a named volume, and the workers' checkpoint key and volume.
/// </summary>
public sealed partial class ComposeTests
{
    private const string ConsoleLogin = "archiver_reviewer_console";
    private const string ConsoleGroupRole = "archiver_console";

    /// <summary>The DEVELOPMENT-ONLY password of the demo accounts, as deploy/compose/dev-secrets/README.md documents it.</summary>
    private const string DemoPassword = "demo-dev-only-not-a-secret";

    private static readonly string[] ConsoleRoles = ["reviewer", "investigator", "supervisor"];

    private static Dictionary<string, string> ConsoleEnv => Service("console").StringMap("environment");

    /// <summary>The secret an environment variable of a service names as /run/secrets/NAME, which the service must mount.</summary>
    private static string SecretNamedBy(string service, string variable)
    {
        var path = Service(service).StringMap("environment")[variable];
        Assert.StartsWith("/run/secrets/", path, StringComparison.Ordinal);
        var secret = path["/run/secrets/".Length..];
        Assert.Contains(secret, Strings(Service(service), "secrets"));
        Assert.NotNull(Compose.Str($"secrets.{secret}.file")); // a file, never `environment:` or `content:` here
        return secret;
    }

    [Fact]
    public void Console_is_the_workers_image_running_archiver_console()
    {
        var console = Service("console");
        var worker = Service("worker");
        foreach (var key in new[] { "build.context", "build.dockerfile", "build.target", "image" })
            Assert.Equal(worker.Str(key), console.Str(key));
        // command: is appended to the image's ENTRYPOINT: `dotnet archiver.dll console`.
        Assert.Equal(["console"], Strings(console, "command"));
        Assert.Null(console.At("entrypoint"));
        var stage = Dockerfile.Load(console.Str("build.dockerfile")!).Named(console.Str("build.target")!);
        Assert.Equal(["dotnet", "archiver.dll"], stage.Last("ENTRYPOINT")!.ExecForm());
        Assert.Null(stage.Last("CMD"));
        Assert.Equal(true, console.At("read_only")?.GetValue<bool>());
        Assert.Contains("/tmp", Strings(console, "tmpfs"));
        Assert.Equal("unless-stopped", console.Str("restart"));
    }

    [Fact]
    public void Console_starts_only_after_the_migrations_completed()
    {
        var console = Service("console");
        Assert.Equal("service_completed_successfully", console.Str("depends_on.migrate.condition"));
        Assert.Equal("service_healthy", console.Str("depends_on.postgres.condition"));
        Assert.Null(console.At("depends_on.simulator")); // it reads the archive, never LivePerson
        Assert.DoesNotContain(ConsoleEnv.Keys, k => k.StartsWith("LivePerson__", StringComparison.Ordinal));
    }

    [Fact]
    public void Console_connects_as_its_own_login_never_the_owner_nor_the_worker()
    {
        var connection = ConnectionOf("console");
        Assert.Equal(ConsoleLogin, connection["Username"]);
        Assert.NotEqual(OwnerLogin, connection["Username"]);
        Assert.NotEqual(WorkerLogin, connection["Username"]);
        Assert.NotEqual(Service("postgres").Str("environment.POSTGRES_USER"), connection["Username"]);
        Assert.False(connection.ContainsKey("Password"));
        foreach (var key in new[] { "Host", "Port", "Database" })
            Assert.Equal(ConnectionOf("worker")[key], connection[key]);

        // Its password file agrees with the password the init script gives the login, which differs from the others'.
        var password = SecretFile(SecretNamedByPostgres("ARCHIVER_CONSOLE_PASSWORD_FILE")).TrimEnd('\n');
        Assert.Contains("dev-only", password, StringComparison.Ordinal);
        Assert.Equal([connection["Host"], connection["Port"], connection["Database"], connection["Username"], password], PgpassEntry(PassfileSecret("console")));
        foreach (var other in new[] { "POSTGRES_PASSWORD_FILE", "ARCHIVER_WORKER_PASSWORD_FILE" })
            Assert.NotEqual(SecretFile(SecretNamedByPostgres(other)).TrimEnd('\n'), password);
        Assert.DoesNotContain(':', password);
        Assert.DoesNotContain('\\', password);

        static string SecretNamedByPostgres(string variable)
        {
            var path = Service("postgres").Str("environment." + variable)!;
            Assert.StartsWith("/run/secrets/", path, StringComparison.Ordinal);
            var name = path["/run/secrets/".Length..];
            Assert.Contains(name, Strings(Service("postgres"), "secrets"));
            return name;
        }
    }

    [Fact]
    public void Init_script_creates_archiver_console_if_missing_and_the_console_login_in_it_only()
    {
        var run = RunInitScript("20-console-login.sh", "ARCHIVER_CONSOLE_PASSWORD_FILE", "console_password");
        Assert.Contains("--set=console_password=" + SecretFile("console_password").TrimEnd('\n'), run.Args);
        Assert.Contains($"SELECT 'CREATE ROLE {ConsoleGroupRole} NOLOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ConsoleGroupRole}') \\gexec", run.Sql, StringComparison.Ordinal);
        Assert.Contains($"format('CREATE ROLE {ConsoleLogin} LOGIN PASSWORD %L IN ROLE {ConsoleGroupRole}', :'console_password') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ConsoleLogin}') \\gexec", run.Sql, StringComparison.Ordinal);
        Assert.Contains($"GRANT {ConsoleGroupRole} TO {ConsoleLogin};", run.Sql, StringComparison.Ordinal);
        // Member of archiver_console and of nothing else: every IN ROLE and every GRANT … TO the login names it alone.
        var memberships = Regex.Matches(run.Sql, @"IN ROLE ([\w, ]+?)'|GRANT ([\w, ]+) TO " + ConsoleLogin)
            .SelectMany(m => (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).Split(',', StringSplitOptions.TrimEntries)).Distinct().ToList();
        Assert.Equal([ConsoleGroupRole], memberships);
        Assert.DoesNotContain("archiver_writer", run.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("compliance", run.Sql, StringComparison.Ordinal); // migration 0013 grants the group role, not this script
        // The login is the one the console service connects as, and the worker's script never touches it.
        Assert.Equal(ConsoleLogin, ConnectionOf("console")["Username"]);
        Assert.DoesNotContain(ConsoleLogin, Repo.Read(InitDbDirectory + "/10-worker-login.sh"), StringComparison.Ordinal);
        Assert.DoesNotContain(ConsoleGroupRole, Repo.Read(InitDbDirectory + "/10-worker-login.sh"), StringComparison.Ordinal);
    }

    [Fact]
    public void Console_is_published_on_the_hosts_loopback_only_and_its_health_check_asks_its_port()
    {
        var console = Service("console");
        Assert.Equal("0.0.0.0", ConsoleEnv["Console__Address"]); // in the container; the host side is below
        var port = ConsoleEnv["Console__Port"];
        var published = Assert.Single(Strings(console, "ports"));
        var parts = published.Split(':');
        Assert.Equal(3, parts.Length); // host address:host port:container port — never "8080:8080" (all interfaces)
        Assert.Equal("127.0.0.1", parts[0]);
        Assert.Equal(port, parts[2]);
        // No two services publish the same host port (the simulator's control API has 8080).
        var hostPorts = Compose.Obj("services").SelectMany(s => s.Value.At("ports") is JsonArray a ? a.Select(p => p!.ToString().Split(':')) : [])
            .Select(p => p[^2]).ToList();
        Assert.Equal(hostPorts.Count, hostPorts.Distinct(StringComparer.Ordinal).Count());
        Assert.All(Compose.Obj("services"), s => Assert.All(s.Value.At("ports") as JsonArray ?? [], p => Assert.StartsWith("127.0.0.1:", p!.ToString(), StringComparison.Ordinal)));

        var test = Strings(console, "healthcheck.test");
        Assert.Equal(["CMD", "wget", "-q", "-O", "/dev/null", $"http://127.0.0.1:{port}/health"], test);
        Assert.Null(console.At("container_name"));
    }

    [Fact]
    public void Console_secrets_are_files_mounted_into_it_never_inline()
    {
        var console = Service("console");
        Assert.Equal([PassfileSecret("console"), SecretNamedBy("console", "Console__UsersFile"), SecretNamedBy("console", "Integrity__SigningKeyFile")], Strings(console, "secrets"));
        // OpenID Connect's client secret is never in this file (an override outside the repository).
        Assert.DoesNotContain(ConsoleEnv.Keys, k => k.EndsWith("ClientSecret", StringComparison.Ordinal));
        var text = Repo.Read("docker-compose.yml");
        Assert.DoesNotContain("passwordHash", text, StringComparison.Ordinal);
        Assert.DoesNotContain(DemoPassword, text, StringComparison.Ordinal);
        // Nor in the image's build context.
        var users = Compose.Str($"secrets.{SecretNamedBy("console", "Console__UsersFile")}.file")!.TrimStart('.', '/');
        Assert.True(new DockerIgnore(Repo.Read(".dockerignore")).Excludes(users), "the users file would enter the image build context");
        // The console gets no secret of the owner's or the worker's login; they get none of the console's.
        foreach (var service in new[] { "migrate", "worker", "postgres" })
        {
            foreach (var theirs in Strings(Service(service), "secrets").Where(x => x != CheckpointKeySecret("worker")))
                Assert.DoesNotContain(theirs, Strings(console, "secrets"));
        }
        foreach (var service in new[] { "migrate", "worker", "simulator" })
        {
            var mounted = Service(service).At("secrets") is JsonArray a ? a.Select(x => x!.ToString()).ToList() : [];
            Assert.DoesNotContain(PassfileSecret("console"), mounted);
            Assert.DoesNotContain(SecretNamedBy("console", "Console__UsersFile"), mounted);
            Assert.DoesNotContain(Service(service).StringMap("environment").Values, v => v.Contains(ConsoleLogin, StringComparison.Ordinal));
        }
        Assert.DoesNotContain(ConsoleEnv.Values, v => v.Contains(WorkerLogin, StringComparison.Ordinal) || v.Contains(OwnerLogin, StringComparison.Ordinal));
    }

    [Fact]
    public void Dev_users_file_holds_hashed_accounts_whose_password_is_the_documented_one()
    {
        var text = SecretFile(SecretNamedBy("console", "Console__UsersFile"));
        Assert.DoesNotContain(DemoPassword, text, StringComparison.Ordinal);
        var users = JsonNode.Parse(text)!.Arr("users");
        Assert.NotEmpty(users);
        Assert.Contains(users, u => ConsoleRoles.All(r => u!.Arr("roles").Select(x => x!.ToString()).Contains(r))); // a demo user sees everything
        foreach (var user in users)
        {
            Assert.Equal(["name", "passwordHash", "roles"], user!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
            Assert.False(string.IsNullOrWhiteSpace(user.Str("name")));
            var roles = user.Arr("roles").Select(r => r!.ToString()).ToList();
            Assert.NotEmpty(roles);
            Assert.All(roles, r => Assert.Contains(r, ConsoleRoles));
            var hash = user.Str("passwordHash")!;
            Assert.True(VerifyIdentityV3Hash(hash, DemoPassword), $"{user.Str("name")}: the hash does not match the documented password");
            Assert.False(VerifyIdentityV3Hash(hash, DemoPassword + "x"));
        }
        var readme = Repo.Read("deploy/compose/dev-secrets/README.md");
        Assert.Contains(DemoPassword, readme, StringComparison.Ordinal);
        Assert.Contains("DEVELOPMENT-ONLY", readme, StringComparison.Ordinal);
        foreach (var user in users)
            Assert.Contains($"`{user!.Str("name")}`", readme, StringComparison.Ordinal);
    }

    /// <summary>
    /// ASP.NET Core Identity's version 3 password hash, as LocalAccounts stores it: 0x01, the PRF (0 SHA-1, 1 SHA-256,
    /// 2 SHA-512), the iteration count and the salt's length (big-endian 32-bit), the salt, then the PBKDF2 subkey.
    /// </summary>
    private static bool VerifyIdentityV3Hash(string hash, string password)
    {
        var bytes = Convert.FromBase64String(hash);
        Assert.Equal(0x01, bytes[0]);
        var prf = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1));
        var iterations = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5));
        var saltLength = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(9));
        Assert.True(iterations >= 100_000, $"{iterations} PBKDF2 iterations");
        Assert.True(saltLength >= 16);
        var salt = bytes.AsSpan(13, saltLength).ToArray();
        var subkey = bytes.AsSpan(13 + saltLength).ToArray();
        Assert.True(subkey.Length >= 32);
        var algorithm = prf switch
        {
            1 => HashAlgorithmName.SHA256,
            2 => HashAlgorithmName.SHA512,
            _ => throw new InvalidDataException($"PRF {prf}: not SHA-256 or SHA-512"),
        };
        var derived = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, algorithm, subkey.Length);
        return CryptographicOperations.FixedTimeEquals(derived, subkey);
    }

    [Fact]
    public void Console_keeps_its_data_protection_keys_on_a_named_volume_it_can_write()
    {
        var console = Service("console");
        var directory = ConsoleEnv["Console__KeysDirectory"];
        var volume = Assert.Single(Strings(console, "volumes"), v => v.Split(':')[1] == directory).Split(':');
        Assert.Equal(2, volume.Length); // name:target, not :ro
        Assert.Matches(@"^[a-z][a-z0-9_-]*$", volume[0]); // a named volume: it outlives the container
        Assert.True(Compose.Obj("volumes").ContainsKey(volume[0]), $"volume {volume[0]} is not declared at the top level");
        Assert.NotEqual("archiver-pg", volume[0]);
        Assert.NotEqual("archiver-checkpoints", volume[0]);
        // Nobody else mounts the keys: whoever reads them can forge a sign-in.
        foreach (var service in Compose.Obj("services").Where(s => s.Key != "console"))
            Assert.DoesNotContain(service.Value.At("volumes") as JsonArray ?? [], v => v!.ToString().Split(':')[0] == volume[0]);
        // A new named volume copies the image's directory, owner included: the image creates it for its non-root user.
        var stage = Dockerfile.Load(console.Str("build.dockerfile")!).Named(console.Str("build.target")!);
        var create = Assert.Single(stage.All("RUN"), r => r.Arguments.Contains(directory, StringComparison.Ordinal));
        Assert.Matches($@"mkdir -p (\S+ )*{Regex.Escape(directory)}\b", create.Arguments);
        Assert.Matches($@"chown ""?\$\{{?APP_UID\}}?:\$\{{?APP_UID\}}?""? (\S+ )*{Regex.Escape(directory)}\b", create.Arguments);
        Assert.True(create.Line < stage.Last("USER")!.Line, "the directory is created as root, before USER");
    }

    [Fact]
    public void Console_signs_with_the_workers_key_into_the_workers_checkpoint_volume()
    {
        Assert.Equal(CheckpointKeySecret("worker"), CheckpointKeySecret("console"));
        var workerEnv = Service("worker").StringMap("environment");
        Assert.Equal(workerEnv["Integrity__SigningKeyFile"], ConsoleEnv["Integrity__SigningKeyFile"]);
        var directory = ConsoleEnv["Integrity__CheckpointDirectory"];
        Assert.Equal(workerEnv["Integrity__CheckpointDirectory"], directory);
        string VolumeAt(string service) => Assert.Single(Strings(Service(service), "volumes"), v => v.Split(':')[1] == directory);
        Assert.Equal(VolumeAt("worker"), VolumeAt("console")); // the same named volume, writable (no :ro) in both
    }

    [Fact]
    public void Console_gets_more_than_the_hosts_30_second_drain_before_SIGKILL()
    {
        var match = Regex.Match(Service("console").Str("stop_grace_period") ?? "", @"^(\d+)s$");
        Assert.True(match.Success && int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 45);
    }
}
