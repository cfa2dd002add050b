namespace Archiver.Deploy.Tests;

/// <summary>
/// The part of each image build that can run here: the Dockerfile's build stage, replayed (BuildReplay). Two classes so
/// xunit runs the two publishes in parallel.
/// </summary>
public sealed class WorkerImageBuildTests(ITestOutputHelper output)
{
    [Fact]
    public void Worker_build_stage_publishes_archiver_dll_with_the_migrations_embedded()
    {
        var app = BuildReplay.Run("deploy/docker/worker.Dockerfile", output);
        try
        {
            var dll = Path.Combine(app, "archiver.dll");
            Assert.True(File.Exists(dll), "archiver.dll was not published into /app");
            // ENTRYPOINT ["dotnet", "archiver.dll"]: framework-dependent, no apphost.
            Assert.False(File.Exists(Path.Combine(app, "archiver")), "an apphost was published; the image runs `dotnet archiver.dll`");
            // The runtime image must carry what runtimeconfig.json asks for: the ASP.NET Core 10 shared framework.
            var frameworks = BuildReplay.Frameworks(Path.Combine(app, "archiver.runtimeconfig.json"));
            Assert.StartsWith("10.", frameworks["Microsoft.AspNetCore.App"], StringComparison.Ordinal);
            // The schema travels inside the binary.
            var expected = Directory.GetFiles(Repo.PathOf("migrations"), "*.sql").Select(f => "migrations/" + Path.GetFileName(f)).Order(StringComparer.Ordinal);
            var embedded = BuildReplay.ManifestResources(dll).Where(r => r.StartsWith("migrations/", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
            Assert.Equal(expected, embedded);
            Assert.NotEmpty(embedded);
            output.WriteLine($"published {Directory.GetFiles(app).Length} files; {embedded.Count()} migrations embedded");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(app)!)!, recursive: true);
        }
    }
}

public sealed class SimulatorImageBuildTests(ITestOutputHelper output)
{
    [Fact]
    public void Simulator_build_stage_publishes_Archiver_Simulator_dll()
    {
        var app = BuildReplay.Run("deploy/docker/simulator.Dockerfile", output);
        try
        {
            Assert.True(File.Exists(Path.Combine(app, "Archiver.Simulator.dll")), "Archiver.Simulator.dll was not published into /app");
            var frameworks = BuildReplay.Frameworks(Path.Combine(app, "Archiver.Simulator.runtimeconfig.json"));
            Assert.StartsWith("10.", frameworks["Microsoft.AspNetCore.App"], StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(app)!)!, recursive: true);
        }
    }
}
