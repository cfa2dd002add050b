using Archiver.Testing.Architecture;

namespace Archiver.Worker.Tests.Architecture;

/// <summary>
/// Types in namespace <paramref name="Users"/> (and below) may not name anything <paramref name="Forbidden"/> lists:
/// a namespace or type (<c>Npgsql</c>, <c>System.Net</c>) or one member (<c>System.DateTime::get_UtcNow</c>).
/// </summary>
public sealed record ImportRule(string Users, IReadOnlyList<string> Forbidden, string Why);

public sealed record ImportViolation(string Type, string Uses, ImportRule Rule)
{
    public override string ToString() => $"{Type} uses {Uses} — {Rule.Users} may not: {Rule.Why}";
}

/// <summary>The rooms' import rules of docs/architecture.md §4, checked against what the compiled code names.</summary>
public static class ImportRules
{
    public static IReadOnlyList<ImportViolation> Check(IEnumerable<TypeUsage> types, IEnumerable<ImportRule> rules)
    {
        var violations = new List<ImportViolation>();
        var all = rules.ToList();
        foreach (var type in types)
        {
            foreach (var rule in all.Where(r => Within(type.Type, r.Users)))
            {
                violations.AddRange(type.Names
                    .Where(name => rule.Forbidden.Any(f => Within(name, f)))
                    .Order(StringComparer.Ordinal)
                    .Select(name => new ImportViolation(type.Type, name, rule)));
            }
        }
        return violations;
    }

    /// <summary><paramref name="name"/> is <paramref name="prefix"/> itself, or inside it (namespace, nested type or member).</summary>
    public static bool Within(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal)
        && (name.Length == prefix.Length || name[prefix.Length] is '.' or '+' or ':' or '`');

    private const string Worker = "Archiver.Worker.";

    private static readonly string[] Clock =
    [
        "System.DateTime::get_UtcNow", "System.DateTime::get_Now", "System.DateTime::get_Today",
        "System.DateTimeOffset::get_UtcNow", "System.DateTimeOffset::get_Now",
        "System.Environment::get_TickCount", "System.Environment::get_TickCount64", "System.TimeProvider::get_System",
    ];

    /// <summary>The worker's folders, each a room of docs/architecture.md §2.</summary>
    public static IReadOnlyList<string> Rooms { get; } =
        ["Sessions", "Ingestion", "Store", "Projections", "ReadSide", "Lifecycle", "Coordination", "Observability", "Cli", "WebConsole", "Hosting"];

    /// <summary>The worker's rooms. Downstream never names upstream: Sessions → Ingestion → Store ← Projections.</summary>
    public static IReadOnlyList<ImportRule> WorkerRules { get; } =
    [
        new(Worker + "Sessions",
            ["Npgsql", Worker + "Store", Worker + "Projections", Worker + "ReadSide", Worker + "Lifecycle", Worker + "Cli", Worker + "WebConsole", Worker + "Hosting"],
            "sockets only; it hands frames to Ingestion's port and knows nothing of PostgreSQL"),
        new(Worker + "Ingestion",
            ["Npgsql", Worker + "Sessions", Worker + "Projections", Worker + "ReadSide", Worker + "Lifecycle", Worker + "Cli", Worker + "WebConsole", Worker + "Hosting"],
            "it reaches the database only through the Store's port and never calls back up into Sessions"),
        new(Worker + "Store",
            [Worker + "Sessions", Worker + "Ingestion", Worker + "Projections", Worker + "ReadSide", Worker + "Cli", Worker + "WebConsole", Worker + "Hosting"],
            "the store is downstream of the pipeline; projections plug into it through IInlineProjection"),
        new(Worker + "Projections",
            [Worker + "Sessions", Worker + "Ingestion", Worker + "ReadSide", Worker + "Lifecycle", Worker + "Cli", Worker + "WebConsole", Worker + "Hosting"],
            "projections see events and the store's transaction, nothing upstream"),
        new(Worker + "ReadSide",
            [Worker + "Sessions", Worker + "Ingestion", Worker + "Projections", Worker + "Cli", Worker + "WebConsole", Worker + "Hosting"],
            "the read side reads the archive; it is shared by the CLI and the console, so it names neither"),
        new(Worker + "Lifecycle",
            [Worker + "Sessions", Worker + "Ingestion", Worker + "Projections", Worker + "ReadSide", Worker + "Cli", Worker + "WebConsole", Worker + "Hosting"],
            "retention, holds, erasure and masking work on the archive, not on the pipeline"),
        new(Worker + "Coordination",
            [Worker + "Ingestion", Worker + "Store", Worker + "Projections", Worker + "ReadSide", Worker + "Lifecycle", Worker + "Cli", Worker + "WebConsole", Worker + "Hosting"],
            "leases and the identity vault serve the sessions only"),
        new(Worker + "WebConsole",
            [Worker + "Sessions", Worker + "Ingestion", Worker + "Projections", Worker + "Coordination", Worker + "Cli"],
            "the console reads through the read side and never touches the pipeline"),
        new(Worker + "Cli",
            [Worker + "Sessions", Worker + "Ingestion", Worker + "Coordination"],
            "commands act on the archive; the pipeline runs only in the worker"),
        .. Rooms.Where(r => r != "Hosting").Select(r => new ImportRule(Worker + r, Clock,
            "logic takes its time from the injected TimeProvider; only Hosting chooses the system clock")),
    ];


    /// <summary>The Domain is pure: no I/O, no clock, no logging, none of our other assemblies.</summary>
    public static IReadOnlyList<ImportRule> DomainRules { get; } =
    [
        new("Archiver.Domain",
            [
                "System.Net", "System.IO.File", "System.IO.FileInfo", "System.IO.FileStream", "System.IO.Directory",
                "System.IO.DirectoryInfo", "System.IO.Pipes", "System.IO.Compression", "System.Console", "System.Diagnostics.Process",
                "System.Diagnostics.Stopwatch", "System.Threading.Thread::Sleep", "System.Threading.Tasks.Task::Delay",
                "System.TimeProvider", "Npgsql", "Microsoft.Extensions.Logging", "Microsoft.AspNetCore", "Archiver.Worker", "Archiver.Simulator",
                .. Clock,
            ],
            "no I/O, no clock, no logging"),
    ];
}
