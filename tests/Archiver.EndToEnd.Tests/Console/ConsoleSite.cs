using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;
using Archiver.Testing.Oidc;
using Microsoft.Playwright;
using Npgsql;

namespace Archiver.EndToEnd.Tests.ReviewerConsole;

/// <summary>A local account of the console (made with <c>archiver console add-user</c>).</summary>
public sealed record ConsoleUser(string Name, string Password, string Role);

/// <summary>
/// The reviewer console in front of a real archive, shared by one test class: a fresh database, the simulator, the
/// worker archiving its scripted scenario and a simulated year (with personal data to mask), then <c>archiver
/// console</c> as a process — running as a login that is only a member of <c>archiver_console</c>, with three local
/// accounts (a reviewer, an investigator, a supervisor), the loopback OpenID Connect provider, and the checkpoint key so
/// its exports are signed — and Debian's Chromium driven by Playwright (never a downloaded browser).
/// </summary>
public class ConsoleSite : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Group claim values the console maps to its roles (Console__Oidc__Reviewers__0, …).</summary>
    public const string ReviewersGroup = "archive-reviewers";
    public const string InvestigatorsGroup = "archive-investigators";
    public const string SupervisorsGroup = "archive-supervisors";

    public const string ClientId = "archiver-console";

    private readonly string _directory = Directory.CreateTempSubdirectory("archiver-console-e2e-").FullName;
    private EndToEndRun? _run;
    private OidcProvider? _oidc;
    private ConsoleProcess? _console;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public ConsoleUser Reviewer { get; } = new("rita.reviewer", RandomNumberGenerator.GetHexString(20), "reviewer");

    public ConsoleUser Investigator { get; } = new("ivan.investigator", RandomNumberGenerator.GetHexString(20), "investigator");

    public ConsoleUser Supervisor { get; } = new("sara.supervisor", RandomNumberGenerator.GetHexString(20), "supervisor");

    /// <summary>The console's client secret at the OpenID Connect provider (to check it never reaches the console's output).</summary>
    public string ClientSecret { get; } = RandomNumberGenerator.GetHexString(32, lowercase: true);

    public EndToEndRun Run => _run ?? throw new InvalidOperationException("not started");

    public OidcProvider Oidc => _oidc ?? throw new InvalidOperationException("not started");

    public ConsoleProcess Console => _console ?? throw new InvalidOperationException("not started");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("not started");

    public Uri BaseUri => Console.BaseUri;

    /// <summary>What the simulator sent, conversation by conversation.</summary>
    public IReadOnlyList<TruthConversation> Truth { get; private set; } = [];

    /// <summary>The console's database login (a member of archiver_console only).</summary>
    public string ConsoleConnectionString { get; private set; } = "";

    /// <summary>The checkpoint key's public half, which <c>archiver export verify</c> checks a downloaded export with.</summary>
    public string PublicKeyFile => Path.Combine(_directory, "public.pem");

    /// <summary>Scripted conversations per consumer (the simulator's scenario: files, rich content, transfers, CSAT).</summary>
    protected virtual int ScriptedPerConsumer => 2;

    /// <summary>Conversations of the simulated year (personal data and look-alikes; seven or more cover every kind).</summary>
    protected virtual int YearConversations => 14;

    /// <summary>TestResults/artifacts/console (or $ARCHIVER_TEST_ARTIFACTS/console), where the screenshots are kept.</summary>
    public static string Artifacts { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("ARCHIVER_TEST_ARTIFACTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepositoryPaths.Root, "TestResults", "artifacts"),
        "console");

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"{Chromium} is missing: scripts/test.sh installs Debian's chromium (apt-get install chromium).");

        _run = await EndToEndRun.StartAsync(3, new SimulatorSettings { Seed = 1515 });
        _run.StartWorker();
        await _run.ConsumersConnectedAsync();
        var scripted = await _run.PostAsync("/control/scenario", new { conversationsPerConsumer = ScriptedPerConsumer, paceMs = 0 });
        var year = await _run.PostAsync("/control/scenario/year", new { conversations = YearConversations });
        await _run.EverythingArchivedAsync(TimeSpan.FromMinutes(2));
        Truth = await ConsoleTruth.ReadAsync(_run);
        if (Truth.Count != scripted["conversations"]!.AsArray().Count + year["conversations"]!.AsArray().Count)
            throw new InvalidOperationException($"the ground truth holds {Truth.Count} conversations");

        // The checkpoint key: exports are then signed and name a checkpoint.
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(Path.Combine(_directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
            await File.WriteAllTextAsync(PublicKeyFile, key.ExportSubjectPublicKeyInfoPem());
        }

        // Local accounts, as an operator makes them: the password on standard input.
        var usersFile = Path.Combine(_directory, "console-users.json");
        foreach (var user in new[] { Reviewer, Investigator, Supervisor })
        {
            var added = await ConsoleProcess.ArchiverWithInputAsync(new Dictionary<string, string?>(), user.Password,
                "console", "add-user", user.Name, "--role", user.Role, "--users-file", usersFile);
            if (added.ExitCode != 0)
                throw new InvalidOperationException($"archiver console add-user {user.Name} failed ({added.ExitCode}): {added.StandardOutput} {added.StandardError}");
        }

        _oidc = await OidcProvider.StartAsync(new OidcProviderOptions());
        ConsoleConnectionString = await _run.CreateLoginAsync("archiver_console");
        var keys = Directory.CreateDirectory(Path.Combine(_directory, "keys")).FullName;
        _console = await ConsoleProcess.StartAsync(new Dictionary<string, string?>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Archive"] = ConsoleConnectionString,
            ["Console__Address"] = "127.0.0.1",
            ["Console__Port"] = "0",
            ["Console__UsersFile"] = usersFile,
            ["Console__KeysDirectory"] = keys,
            ["Console__Oidc__Authority"] = _oidc.Authority.AbsoluteUri,
            ["Console__Oidc__ClientId"] = ClientId,
            ["Console__Oidc__ClientSecret"] = ClientSecret,
            ["Console__Oidc__AllowHttpMetadata"] = "true",
            ["Console__Oidc__Reviewers__0"] = ReviewersGroup,
            ["Console__Oidc__Investigators__0"] = InvestigatorsGroup,
            ["Console__Oidc__Supervisors__0"] = SupervisorsGroup,
            ["Integrity__SigningKeyFile"] = Path.Combine(_directory, "key.pem"),
            ["Integrity__CheckpointDirectory"] = Path.Combine(_directory, "checkpoints"),
        }, TimeSpan.FromMinutes(1));
        // The console's port is known only now: its redirect URIs are registered after it started, as the provider allows.
        _oidc.RegisterClient(new OidcClient(ClientId, ClientSecret, [$"{BaseUri.AbsoluteUri}signin-oidc"])
        {
            PostLogoutRedirectUris = [$"{BaseUri.AbsoluteUri}signout-callback-oidc"],
        });

        // Playwright's driver is the node inside its NuGet package (bin/.playwright); the browser is Debian's.
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    /// <summary>A browser of someone not signed in.</summary>
    public Task<BrowserSession> AnonymousAsync() => BrowserSession.OpenAsync(Browser, BaseUri);

    /// <summary>A browser signed in with a local account through the sign-in form, landed on the search page.</summary>
    public async Task<BrowserSession> SignInAsync(ConsoleUser user)
    {
        var session = await AnonymousAsync();
        var page = session.Page;
        await page.GotoAsync("signin");
        await page.GetByLabel("User name").FillAsync(user.Name);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(Url("search"));
        await Assertions.Expect(page.Locator("header.top")).ToContainTextAsync($"{user.Name} ({user.Role})");
        return session;
    }

    /// <summary>A pattern matching this console's address for <paramref name="path"/> (a path without its leading slash), with any query.</summary>
    public Regex Url(string path) => new($"^{Regex.Escape(BaseUri.AbsoluteUri + path)}(\\?.*)?$");

    /// <summary>A full-page screenshot kept in the test artifacts (TestResults/artifacts/console/NAME.png); checked to be a PNG with something on it.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Artifacts);
        var file = Path.Combine(Artifacts, name + ".png");
        File.Delete(file);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        var png = await File.ReadAllBytesAsync(file);
        Assert.True(png.Length > 5_000, $"the {png.Length}-byte screenshot {file} is blank");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    /// <summary>A new empty directory of this fixture's (deleted with it).</summary>
    public string NewDirectory(string name) => Directory.CreateDirectory(Path.Combine(_directory, $"{name}-{Guid.NewGuid():N}")).FullName;

    /// <summary>Rows of the access audit trail, read as the owner (not through the console).</summary>
    public async Task<List<(string User, string Roles, string Action, string? ConversationId, string Detail)>> AuditAsync()
    {
        await using var command = Run.Archive.CreateCommand(
            "SELECT user_name, roles, action, conversation_id, detail::text FROM archive.access_audit ORDER BY audit_id");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, string, string?, string)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
        return rows;
    }

    /// <summary>The roles the console's login is a member of, and whether it is a superuser.</summary>
    public async Task<(List<string> MemberOf, bool Superuser)> ConsoleLoginAsync()
    {
        var login = new NpgsqlConnectionStringBuilder(ConsoleConnectionString).Username!;
        await using var command = Run.Archive.CreateCommand(
            """
            SELECT coalesce(array_agg(g.rolname ORDER BY g.rolname) FILTER (WHERE g.rolname IS NOT NULL), '{}'), u.rolsuper
            FROM pg_roles u LEFT JOIN pg_auth_members m ON m.member = u.oid LEFT JOIN pg_roles g ON g.oid = m.roleid
            WHERE u.rolname = $1 GROUP BY u.rolsuper
            """);
        command.Parameters.AddWithValue(login);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no role {login}");
        return (reader.GetFieldValue<string[]>(0).ToList(), reader.GetBoolean(1));
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_console is not null)
            await _console.DisposeAsync();
        if (_oidc is not null)
            await _oidc.DisposeAsync();
        if (_run is not null)
            await _run.DisposeAsync();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>A smaller archive, for classes that check the console itself rather than what it shows of many conversations.</summary>
public sealed class SmallConsoleSite : ConsoleSite
{
    protected override int ScriptedPerConsumer => 1;

    protected override int YearConversations => 7;
}
