using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archiver.Simulator;
using Archiver.Testing;
using Npgsql;

namespace Archiver.EndToEnd.Tests.Harness;

/// <summary>
/// One end-to-end run: a fresh database, the simulator on loopback, and the worker as a real child process, with
/// consumers in all three identity modes. The worker's output of every process it ran is kept for the secrets scan.
/// </summary>
public sealed class EndToEndRun : IAsyncDisposable
{
    private readonly PostgresDatabase _database;
    private readonly string _keyFile;
    private readonly Dictionary<string, string?> _environment;
    private readonly List<WorkerProcess> _workers = [];

    private EndToEndRun(PostgresDatabase database, SimulatorHost simulator, string keyFile, Dictionary<string, string?> environment)
    {
        _database = database;
        Simulator = simulator;
        _keyFile = keyFile;
        _environment = environment;
        Control = new HttpClient { BaseAddress = simulator.BaseUri, Timeout = TimeSpan.FromMinutes(5) };
    }

    /// <summary>The <c>iss</c> of the brand's id tokens: with the external id, what the simulator names an authenticated consumer by.</summary>
    public const string Issuer = "https://brand.example";

    public SimulatorHost Simulator { get; }

    public HttpClient Control { get; }

    public NpgsqlDataSource Archive => _database.DataSource;

    /// <summary>The owner's connection string (migrations, rebuilds, tampering); the worker runs as <see cref="WorkerConnectionString"/>.</summary>
    public string ConnectionString => _database.ConnectionString;

    /// <summary>The worker's login: a member of archiver_writer only.</summary>
    public string WorkerConnectionString => _environment["ConnectionStrings__Archive"]!;

    public int Consumers { get; private init; }

    /// <summary>Every line every worker process of this run wrote.</summary>
    public ConcurrentQueue<string> Output { get; } = new();

    public WorkerProcess? Worker => _workers.LastOrDefault();

    /// <summary>Starts the database and the simulator; <paramref name="consumers"/> cycle through <paramref name="modes"/> (default: all three).</summary>
    public static async Task<EndToEndRun> StartAsync(int consumers, SimulatorSettings settings, Action<Dictionary<string, string?>>? configure = null,
        string? serverConnectionString = null, string[]? modes = null)
    {
        modes ??= ["Signup", "Unauthenticated", "Authenticated"];
        var database = serverConnectionString is null ? new PostgresDatabase() : new PrivateServerDatabase(serverConnectionString);
        await database.InitializeAsync();
        var simulator = await SimulatorHost.StartAsync(settings);

        // The brand's key for Authenticated consumers: the worker mints id tokens with the private half, the simulator's
        // IDP verifies them with the public half.
        using var rsa = RSA.Create(2048);
        var keyFile = Path.Combine(Path.GetTempPath(), $"archiver-brand-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(keyFile, rsa.ExportPkcs8PrivateKeyPem());
        using (var http = new HttpClient { BaseAddress = simulator.BaseUri })
        {
            var registered = await http.PutAsJsonAsync("/control/brand-keys/brand-key-1", new { pem = rsa.ExportSubjectPublicKeyInfoPem() });
            registered.EnsureSuccessStatusCode();
        }

        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Archive"] = database.ConnectionString,
            ["LivePerson__AccountId"] = simulator.Account,
            ["LivePerson__CsdsUrl"] = simulator.BaseUri.ToString().TrimEnd('/'),
            ["LivePerson__Tls"] = "false",
            ["LivePerson__KeepAliveSeconds"] = "2",
            ["LivePerson__RequestTimeoutSeconds"] = "5",
            ["LivePerson__ReconnectInitialDelayMs"] = "100",
            ["LivePerson__ReconnectMaxDelayMs"] = "2000",
            ["Logging__LogLevel__Default"] = "Debug",
            ["Logging__LogLevel__Microsoft"] = "Information",
            ["Logging__LogLevel__System"] = "Information",
            ["Logging__Console__FormatterName"] = "simple",
            // The registry's authenticated consumers share the brand's key (docs/operations.md, "The consumer registry").
            ["LivePerson__Registry__SigningKeyFile"] = keyFile,
            ["LivePerson__Registry__Issuer"] = Issuer,
            ["LivePerson__Registry__KeyId"] = "brand-key-1",
        };
        for (var i = 0; i < consumers; i++)
        {
            var key = $"LivePerson__Consumers__{i}__";
            environment[key + "Name"] = $"consumer-{i}";
            environment[key + "Mode"] = modes[i % modes.Length];
            switch (modes[i % modes.Length])
            {
                case "Signup":
                    break;
                case "Unauthenticated":
                    environment[key + "ConnectorId"] = "connector-1";
                    break;
                default:
                    environment[key + "SigningKeyFile"] = keyFile;
                    environment[key + "ExternalId"] = $"customer-{i}";
                    environment[key + "Issuer"] = Issuer;
                    environment[key + "KeyId"] = "brand-key-1";
                    break;
            }
        }
        // As deployed: the owner migrates, and the worker runs as a login that is only a member of archiver_writer, with
        // Archive__MigrateOnStart=false (docs/operations.md, "Roles and grants").
        var migrated = await ProcessRunner.ArchiverAsync(new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = database.ConnectionString }, "migrate");
        if (migrated.ExitCode != 0)
            throw new InvalidOperationException($"archiver migrate failed: {migrated.StandardError}");
        environment["ConnectionStrings__Archive"] = await database.CreateLoginAsync("archiver_writer");
        environment["Archive__MigrateOnStart"] = "false";
        database.DataSource.Clear(); // no idle connection from before a test's database outage is left in the pool
        configure?.Invoke(environment);
        return new EndToEndRun(database, simulator, keyFile, environment) { Consumers = consumers };
    }

    public WorkerProcess StartWorker(Action<Dictionary<string, string?>>? configure = null)
    {
        var environment = new Dictionary<string, string?>(_environment);
        configure?.Invoke(environment);
        var worker = WorkerProcess.Start(environment, Output);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Waits until every consumer is connected and subscribed (the simulator says so).</summary>
    public Task ConsumersConnectedAsync(TimeSpan? timeout = null) => Eventually.HoldsAsync(async () =>
    {
        var consumers = await Control.GetFromJsonAsync<JsonArray>("/control/consumers");
        var connected = consumers!.Count(c => c!["connections"]!.GetValue<int>() > 0 && c["subscriptions"]!.GetValue<int>() > 0);
        return (connected >= Consumers, $"{connected} of {Consumers} consumers connected and subscribed; worker output tail: {Tail()}");
    }, timeout ?? TimeSpan.FromSeconds(60), "All consumers connecting");

    public async Task<JsonNode> PostAsync(string path, object body)
    {
        using var response = await Control.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text.Length == 0 ? "{}" : text)!;
    }

    public async Task<GroundTruth> GroundTruthAsync()
    {
        await using var stream = await Control.GetStreamAsync("/control/ground-truth");
        using var document = await JsonDocument.ParseAsync(stream, GroundTruth.Options);
        return GroundTruth.Read(document.RootElement);
    }

    /// <summary>Waits until the archive equals the ground truth (or fails listing the differences).</summary>
    public async Task ArchiveEqualsGroundTruthAsync(TimeSpan timeout)
    {
        await Eventually.HoldsAsync(async () =>
        {
            var truth = await GroundTruthAsync();
            var differences = await ArchiveComparison.DifferencesAsync(Archive, truth);
            return (differences.Count == 0 && truth.MessagingEvents > 0,
                $"{differences.Count} difference(s), first: {string.Join(" | ", differences.Take(5))}; worker output tail: {Tail()}");
        }, timeout, "The archive matching the simulator's ground truth");
    }

    /// <summary>Runs <c>archiver</c> with the owner's login (as an operator runs the CLI), for this run's account.</summary>
    public Task<ProcessResult> OwnerCliAsync(params string[] arguments) => ProcessRunner.ArchiverAsync(
        new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = ConnectionString, ["LivePerson__AccountId"] = Simulator.Account }, arguments);

    /// <summary>A login of this run's cluster, member of <paramref name="memberOf"/>: its connection string to the archive.</summary>
    public Task<string> CreateLoginAsync(string memberOf) => _database.CreateLoginAsync(memberOf);

    public string Tail(int lines = 15) => string.Join(" / ", Output.TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
            await worker.DisposeAsync();
        Control.Dispose();
        await Simulator.DisposeAsync();
        await _database.DisposeAsync();
        File.Delete(_keyFile);
    }

    /// <summary>A fresh database on a server of the test's own (<see cref="PrivatePostgres"/>).</summary>
    private sealed class PrivateServerDatabase(string server) : PostgresDatabase
    {
        protected override string Server => server;
    }
}
