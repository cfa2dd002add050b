using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Archiver.Deploy.Tests;

/// <summary>
/// Replays a Dockerfile's build stage here, as far as it can run without a Docker engine: the stage's COPY
/// instructions copy from the repository into a fresh directory standing for the image's filesystem (honouring
/// .dockerignore, as the build context would), WORKDIR moves within it, and each RUN runs the very same command line
/// there — with only the absolute output directory `/app` mapped into the temporary directory. What the sdk image adds
/// (its OS, its SDK patch version) is the difference to a real `docker build`.
/// </summary>
internal static partial class BuildReplay
{
    public static string Run(string dockerfile, ITestOutputHelper output)
    {
        var file = Dockerfile.Load(dockerfile);
        var stage = file.Named("build");
        var ignore = new DockerIgnore(Repo.Read(".dockerignore"));
        var root = Directory.CreateTempSubdirectory("archiver-deploy-").FullName;
        var image = Path.Combine(root, "fs");
        Directory.CreateDirectory(image);
        string Map(string containerPath) => Path.Combine(image, containerPath.TrimStart('/'));

        var workdir = Map("/");
        foreach (var instruction in stage.Instructions)
        {
            switch (instruction.Keyword)
            {
                case "WORKDIR":
                    workdir = instruction.Arguments.StartsWith('/') ? Map(instruction.Arguments) : Path.Combine(workdir, instruction.Arguments);
                    Directory.CreateDirectory(workdir);
                    break;
                case "COPY":
                    var parts = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    Assert.DoesNotContain(parts, p => p.StartsWith("--", StringComparison.Ordinal));
                    var destination = parts[^1];
                    var target = destination.StartsWith('/') ? Map(destination) : Path.Combine(workdir, destination);
                    var intoDirectory = destination.EndsWith('/') || parts.Length > 2;
                    foreach (var source in parts[..^1])
                        Copy(source.TrimEnd('/'), target, intoDirectory, ignore);
                    break;
                case "RUN":
                    var command = OutputDirectory().Replace(instruction.Arguments, m => m.Groups[1].Value + Map("/app") + m.Groups[2].Value);
                    output.WriteLine($"{dockerfile}:{instruction.Line}: RUN {instruction.Arguments}");
                    var started = DateTime.UtcNow;
                    var result = Tools.Run("/bin/sh", ["-c", command], workdir, TimeSpan.FromMinutes(5), Environment());
                    output.WriteLine($"  exit {result.ExitCode} after {(DateTime.UtcNow - started).TotalSeconds:F1} s");
                    Assert.True(result.ExitCode == 0, $"{dockerfile}:{instruction.Line}: `{instruction.Arguments}` failed:\n{Tail(result.Output)}");
                    break;
                case "ENV" or "ARG":
                    Assert.Fail($"{dockerfile}:{instruction.Line}: the replay does not model {instruction.Keyword} in the build stage yet");
                    break;
                default:
                    Assert.Fail($"{dockerfile}:{instruction.Line}: the replay does not model {instruction.Keyword}");
                    break;
            }
        }
        return Map("/app");
    }

    /// <summary>The assembly's embedded resource names (read from metadata; nothing is loaded).</summary>
    public static IReadOnlyList<string> ManifestResources(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        return reader.ManifestResources.Select(h => reader.GetString(reader.GetManifestResource(h).Name)).ToList();
    }

    /// <summary>The shared frameworks runtimeconfig.json asks for: name → version.</summary>
    public static Dictionary<string, string> Frameworks(string runtimeConfigPath)
    {
        var options = JsonNode.Parse(File.ReadAllText(runtimeConfigPath))!["runtimeOptions"]!;
        var list = options["frameworks"] as JsonArray ?? [options["framework"]];
        return list.ToDictionary(f => f!["name"]!.ToString(), f => f!["version"]!.ToString(), StringComparer.Ordinal);
    }

    private static void Copy(string source, string target, bool intoDirectory, DockerIgnore ignore)
    {
        var from = Repo.PathOf(source);
        if (File.Exists(from))
        {
            var to = intoDirectory ? Path.Combine(target, Path.GetFileName(from)) : target;
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to, overwrite: true);
            return;
        }
        Assert.True(Directory.Exists(from), $"COPY source {source} does not exist");
        // A directory's contents are copied into the destination (not the directory itself), less what is ignored.
        foreach (var path in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Repo.Root, path).Replace('\\', '/');
            if (ignore.Excludes(relative))
                continue;
            var to = Path.Combine(target, Path.GetRelativePath(from, path));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(path, to, overwrite: true);
        }
    }

    /// <summary>
    /// The test host's environment, less what `dotnet test` puts there for its own MSBuild, and with MSBuild's node
    /// reuse and the compiler server off so no process outlives the build (as in a container, where the layer ends).
    /// </summary>
    private static Dictionary<string, string?> Environment()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            var key = (string)entry.Key;
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key is "DOTNET_HOST_PATH" or "MSBuildExtensionsPath" or "MSBuildSDKsPath")
            {
                environment[key] = null;
            }
        }
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        environment["UseSharedCompilation"] = "false";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        return environment;
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 40)));
    }

    [GeneratedRegex(@"(\s)/app(\s|$)")]
    private static partial Regex OutputDirectory();
}
