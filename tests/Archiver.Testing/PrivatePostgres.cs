using System.Diagnostics;

namespace Archiver.Testing;

/// <summary>
/// A PostgreSQL cluster of one test's own (scripts/pg-private.sh), for tests that stop the database and start it again
/// without disturbing the server every other test class shares.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _directory;

    private PrivatePostgres(string directory, string connectionString)
    {
        _directory = directory;
        ServerConnectionString = connectionString;
    }

    /// <summary>Superuser connection string to the maintenance database.</summary>
    public string ServerConnectionString { get; }

    public static async Task<PrivatePostgres> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"archiver-pg-{Guid.NewGuid():N}");
        var output = await ScriptAsync($"pg_private_start '{directory}' test >&2 && echo \"$PG_PRIVATE_URL\"");
        return new PrivatePostgres(directory, output.Trim());
    }

    public Task StopAsync() => ScriptAsync($"pg_private_stop '{_directory}'");

    public Task RestartAsync() => ScriptAsync($"pg_private_restart '{_directory}'");

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static async Task<string> ScriptAsync(string command)
    {
        var script = Path.Combine(RepositoryPaths.Root, "scripts", "pg-private.sh");
        var result = await ProcessRunner.RunAsync("bash", ["-c", $"source '{script}' && {command}"],
            new Dictionary<string, string?>(), TimeSpan.FromMinutes(3));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"pg-private: `{command}` failed ({result.ExitCode}): {result.StandardError}");
        return result.StandardOutput;
    }
}
