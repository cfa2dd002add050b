using System.Text.RegularExpressions;

namespace Archiver.Deploy.Tests;

/// <summary>The Dockerfiles' stages, users, entry points and health checks, and what .dockerignore lets into the context.</summary>
public sealed class DockerfileTests
{
    public static TheoryData<string, string, string> Images => new()
    {
        // Dockerfile, project it publishes, assembly the ENTRYPOINT runs
        { "deploy/docker/worker.Dockerfile", "src/Archiver.Worker/Archiver.Worker.csproj", "archiver.dll" },
        { "deploy/docker/simulator.Dockerfile", "src/Archiver.Simulator/Archiver.Simulator.csproj", "Archiver.Simulator.dll" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void Build_stage_is_the_sdk_image_and_publishes_Release_into_app(string dockerfile, string project, string assembly)
    {
        _ = assembly;
        var file = Dockerfile.Load(dockerfile);
        var build = file.Stages[0];
        Assert.Equal("build", build.Name);
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", build.Image);
        var publish = Assert.Single(build.All("RUN"), r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Matches($@"dotnet publish {Regex.Escape(project)}\s.*-c Release\s.*-o /app(\s|$)", publish.Arguments);
        Assert.Contains(build.All("RUN"), r => r.Arguments.StartsWith("dotnet restore " + project, StringComparison.Ordinal));
        Assert.True(file.Stages.Count >= 2, "multi-stage: a runtime stage after the build stage");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Runtime_stages_are_small_aspnet_images_running_the_published_dll_as_a_non_root_user(string dockerfile, string project, string assembly)
    {
        _ = project;
        var file = Dockerfile.Load(dockerfile);
        foreach (var stage in file.Stages.Skip(1))
        {
            var where = $"{dockerfile} stage {stage.Name ?? stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:10\.0-(alpine|noble-chiseled)$", stage.Image);
            Assert.Contains(stage.All("COPY"), c => c.Arguments.Trim() == "--from=build /app ./");
            Assert.Equal("/app", stage.Last("WORKDIR")?.Arguments);

            var user = stage.Last("USER");
            Assert.True(user is not null, $"{where}: no USER (the image would run as root)");
            Assert.Matches(@"^(\$APP_UID|\$\{APP_UID\}|app|[1-9][0-9]*)(:.*)?$", user!.Arguments);
            var entrypoint = stage.Last("ENTRYPOINT");
            Assert.True(entrypoint is not null, $"{where}: no ENTRYPOINT");
            Assert.True(user.Line < entrypoint!.Line, $"{where}: USER must come before ENTRYPOINT");
            Assert.Equal(["dotnet", assembly], entrypoint.ExecForm());
        }
        Assert.Equal("runtime", file.Default.Name);
        Assert.EndsWith("-alpine", file.Default.Image, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Health_checks_use_only_a_tool_the_base_image_has(string dockerfile, string project, string assembly)
    {
        _ = (project, assembly);
        foreach (var stage in Dockerfile.Load(dockerfile).Stages.Skip(1))
        {
            var check = stage.Last("HEALTHCHECK");
            if (stage.Image.EndsWith("-noble-chiseled", StringComparison.Ordinal))
            {
                // No shell, no curl, no wget: a HEALTHCHECK could only fail. Kubernetes probes over HTTP itself.
                Assert.True(check is null || check.Arguments == "NONE", $"{dockerfile}: the chiseled stage has no tool for a HEALTHCHECK");
                continue;
            }
            Assert.True(check is not null, $"{dockerfile} stage {stage.Name}: the Alpine stage should have a HEALTHCHECK");
            // Microsoft's .NET images have had no curl since .NET 8; Alpine's busybox has wget.
            Assert.DoesNotContain("curl", check!.Arguments, StringComparison.Ordinal);
            Assert.Matches(@"CMD wget -q -O /dev/null ""?http://127\.0\.0\.1:", check.Arguments);
            Assert.Matches(@"--start-period=\d+s", check.Arguments);
        }
    }

    [Fact]
    public void Worker_image_serves_observability_on_all_interfaces_at_the_exposed_port()
    {
        foreach (var stage in Dockerfile.Load("deploy/docker/worker.Dockerfile").Stages.Skip(1))
        {
            var env = string.Join(' ', stage.All("ENV").Select(e => e.Arguments));
            Assert.Contains("Observability__Address=0.0.0.0", env, StringComparison.Ordinal);
            Assert.Contains("Observability__Port=9400", env, StringComparison.Ordinal);
            Assert.Contains("ASPNETCORE_HTTP_PORTS=", env, StringComparison.Ordinal);
            Assert.Equal("9400", stage.Last("EXPOSE")?.Arguments);
            var check = stage.Last("HEALTHCHECK");
            if (check is not null)
                Assert.Contains("/health/ready", check.Arguments, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Simulator_image_binds_all_interfaces_by_default()
    {
        var runtime = Dockerfile.Load("deploy/docker/simulator.Dockerfile").Default;
        Assert.Equal(["--address", "0.0.0.0", "--port", "8080", "--scenario", "demo"], runtime.Last("CMD")?.ExecForm());
        Assert.Equal("8080", runtime.Last("EXPOSE")?.Arguments);
        Assert.Contains("http://127.0.0.1:8080/", runtime.Last("HEALTHCHECK")!.Arguments, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void No_floating_tags_no_remote_ADD_and_nothing_outside_the_context(string dockerfile, string project, string assembly)
    {
        _ = (project, assembly);
        var file = Dockerfile.Load(dockerfile);
        foreach (var stage in file.Stages)
        {
            Assert.DoesNotContain(":latest", stage.Image, StringComparison.Ordinal);
            Assert.Contains(':', stage.Image);
            Assert.Empty(stage.All("ADD"));
            foreach (var copy in stage.All("COPY").Where(c => !c.Arguments.StartsWith("--from", StringComparison.Ordinal)))
            {
                foreach (var source in CopySources(copy))
                    Assert.False(source.StartsWith("..", StringComparison.Ordinal) || source.StartsWith('/'), $"{dockerfile}:{copy.Line}: {source} is outside the build context");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Every_COPY_source_exists_and_is_not_dockerignored(string dockerfile, string project, string assembly)
    {
        _ = (project, assembly);
        var ignore = new DockerIgnore(Repo.Read(".dockerignore"));
        foreach (var copy in Dockerfile.Load(dockerfile).Stages[0].All("COPY"))
        {
            foreach (var source in CopySources(copy))
            {
                Assert.True(Repo.Exists(source), $"{dockerfile}:{copy.Line}: {source} does not exist");
                Assert.False(ignore.Excludes(source), $"{dockerfile}:{copy.Line}: .dockerignore excludes {source}");
            }
        }
    }

    [Fact]
    public void Dockerignore_keeps_build_outputs_local_state_and_secrets_out_of_the_context()
    {
        var ignore = new DockerIgnore(Repo.Read(".dockerignore"));
        foreach (var path in new[]
        {
            "src/Archiver.Worker/bin/Release/net10.0/archiver.dll", "src/Archiver.Worker/obj/project.assets.json",
            "src/Archiver.Domain/obj/Release/x.cs", ".run/pg/data/PG_VERSION", ".run/brand-key.pem", ".git/HEAD",
            "tests/Archiver.Worker.Tests/x.cs", "bench/run", "deploy/compose/dev-secrets/owner.pgpass", "deploy/compose/dev-secrets/worker.pgpass",
            "deploy/compose/initdb/10-worker-login.sh", ".env",
        })
        {
            Assert.True(ignore.Excludes(path), $".dockerignore lets {path} into the build context");
        }
        foreach (var path in new[]
        {
            "global.json", "Directory.Build.props", "Directory.Packages.props", "src/Archiver.Worker/Program.cs",
            "src/Archiver.Worker/Archiver.Worker.csproj", "src/Archiver.Simulator/Program.cs", "src/Archiver.Domain/Archiver.Domain.csproj",
        })
        {
            Assert.False(ignore.Excludes(path), $".dockerignore excludes {path}, which the build needs");
        }
        foreach (var migration in Directory.GetFiles(Repo.PathOf("migrations"), "*.sql"))
            Assert.False(ignore.Excludes("migrations/" + Path.GetFileName(migration)), $".dockerignore excludes migrations/{Path.GetFileName(migration)}");
    }

    /// <summary>The source paths of `COPY [--flags] src… dest`.</summary>
    internal static IEnumerable<string> CopySources(Instruction copy)
    {
        var parts = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
        Assert.True(parts.Count >= 2, $"COPY at line {copy.Line} needs a source and a destination");
        return parts.Take(parts.Count - 1).Select(p => p.TrimEnd('/'));
    }
}
