using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Archiver.Testing;
using Archiver.Testing.Architecture;

namespace Archiver.Worker.Tests.Architecture;

/// <summary>
/// The rooms keep their import rules (docs/architecture.md §4), read from the compiled assemblies: what every type
/// names in its signatures and in its method bodies' IL.
/// </summary>
public sealed class ImportRuleTests
{
    private static readonly string WorkerAssembly = typeof(Archiver.Worker.Sessions.ReconnectBackoff).Assembly.Location;
    private static readonly string DomainAssembly = typeof(Archiver.Domain.Protocol.ProtocolNames).Assembly.Location;
    private static readonly string TestAssembly = typeof(ImportRuleTests).Assembly.Location;

    [Fact]
    public void The_worker_rooms_keep_the_one_way_flow_and_their_import_rules()
    {
        var types = AssemblyUsage.Read(WorkerAssembly);
        Assert.Contains(types, t => t.Namespace.StartsWith("Archiver.Worker.Sessions", StringComparison.Ordinal));
        var violations = ImportRules.Check(types, ImportRules.WorkerRules);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void The_domain_is_pure()
    {
        var types = AssemblyUsage.Read(DomainAssembly);
        Assert.Contains(types, t => t.Namespace == "Archiver.Domain.Protocol");
        var violations = ImportRules.Check(types, ImportRules.DomainRules);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
        Assert.Empty(OurAssemblyReferences(DomainAssembly));
    }

    [Fact]
    public void The_simulator_shares_only_the_domain()
    {
        var simulator = SimulatorAssembly();
        Assert.Equal(["Archiver.Domain"], OurAssemblyReferences(simulator));
        var named = AssemblyUsage.Read(simulator).SelectMany(t => t.Names.Select(n => (t.Type, n)))
            .Where(x => ImportRules.Within(x.n, "Archiver.Worker")).ToList();
        Assert.Empty(named);
    }

    [Fact]
    public void The_checker_sees_a_type_named_only_inside_a_method_body()
    {
        // The planted type below names Npgsql and the Store only in a method body: no field, signature or base type.
        var planted = AssemblyUsage.Read(TestAssembly).Single(t => t.Type == typeof(PlantedViolation).FullName);
        var rule = new ImportRule(typeof(PlantedViolation).FullName!, ["Npgsql", "Archiver.Worker.Store", "System.DateTime::get_UtcNow"], "planted");
        var violations = ImportRules.Check([planted], [rule]);
        Assert.Contains(violations, v => v.Uses == "Npgsql.NpgsqlConnection");
        Assert.Contains(violations, v => v.Uses == "Archiver.Worker.Store.StoreFailures");
        Assert.Contains(violations, v => v.Uses == "Archiver.Worker.Store.StoreFailures::IsContent");
        Assert.Contains(violations, v => v.Uses == "System.DateTime::get_UtcNow");
    }

    [Fact]
    public void The_checker_fails_on_a_rule_the_code_is_known_to_break()
    {
        // Ingestion appends through the Store's port, so forbidding it must name the ingestion types that do.
        var rule = new ImportRule("Archiver.Worker.Ingestion", ["Archiver.Worker.Store"], "planted");
        var violations = ImportRules.Check(AssemblyUsage.Read(WorkerAssembly), [rule]);
        Assert.Contains(violations, v => v.Type == "Archiver.Worker.Ingestion.ArchiveWriter" && v.Uses == "Archiver.Worker.Store.IEventStore");
    }

    [Theory]
    [InlineData("Npgsql.NpgsqlConnection", "Npgsql", true)]
    [InlineData("Npgsql", "Npgsql", true)]
    [InlineData("NpgsqlTypes.NpgsqlDbType", "Npgsql", false)]
    [InlineData("Archiver.Worker.StoreX.Y", "Archiver.Worker.Store", false)]
    [InlineData("Archiver.Worker.Store.Checkpoints.CheckpointFile", "Archiver.Worker.Store", true)]
    [InlineData("System.DateTime::get_UtcNow", "System.DateTime::get_UtcNow", true)]
    [InlineData("System.DateTime::get_UtcNowish", "System.DateTime::get_UtcNow", false)]
    public void A_prefix_matches_whole_names_only(string name, string prefix, bool expected) =>
        Assert.Equal(expected, ImportRules.Within(name, prefix));

    private static List<string> OurAssemblyReferences(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name))
            .Where(n => n.StartsWith("Archiver", StringComparison.OrdinalIgnoreCase) || n == "archiver")
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The simulator as the solution built it, in the configuration these tests were built in.</summary>
    private static string SimulatorAssembly()
    {
        var configuration = typeof(ImportRuleTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var path = Path.Combine(RepositoryPaths.Root, "src", "Archiver.Simulator", "bin", configuration, "net10.0", "Archiver.Simulator.dll");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution (dotnet build Archiver.sln -c {configuration}) first.");
        return path;
    }
}

/// <summary>A planted breach for the checker's own test: it names Npgsql, the Store and the clock in a body only.</summary>
internal static class PlantedViolation
{
    public static string Describe()
    {
        using var connection = new Npgsql.NpgsqlConnection();
        var now = DateTime.UtcNow;
        return $"{connection.State} {now.Ticks} {Archiver.Worker.Store.StoreFailures.IsContent(new TimeoutException())}";
    }
}
