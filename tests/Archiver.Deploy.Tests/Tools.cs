using System.Diagnostics;
using System.Text;

namespace Archiver.Deploy.Tests;

internal sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => (Stdout + Stderr).Trim();
}

/// <summary>Runs the external tools some checks use, when this machine has them.</summary>
internal static class Tools
{
    /// <summary>
    /// Set ARCHIVER_DEPLOY_REQUIRE_TOOLS=1 to make a missing optional tool (systemd-analyze, kubectl, docker-compose)
    /// a failure rather than a check that reports it did not run.
    /// </summary>
    public static bool Required => Environment.GetEnvironmentVariable("ARCHIVER_DEPLOY_REQUIRE_TOOLS") == "1";

    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>The tool's path; or null after saying so in the test output (a failure when tools are required).</summary>
    public static string? FindOrReport(string name, ITestOutputHelper output)
    {
        var path = Find(name);
        if (path is null)
        {
            Assert.False(Required, $"{name} is not on PATH and ARCHIVER_DEPLOY_REQUIRE_TOOLS=1");
            output.WriteLine($"NOT RUN: {name} is not on PATH on this machine; this check was skipped.");
        }
        return path;
    }

    public static ToolResult Run(string file, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                    info.Environment.Remove(key);
                else
                    info.Environment[key] = value;
            }
        }
        using var process = new Process { StartInfo = info };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {timeout}");
        }
        process.WaitForExit(); // after an exit, this overload also waits until the output readers have drained
        lock (stdout)
            lock (stderr)
                return new ToolResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
