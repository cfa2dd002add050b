using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Archiver.Testing;

namespace Archiver.EndToEnd.Tests.ReviewerConsole;

/// <summary>
/// <c>archiver console</c> as a child process (the built archiver.dll in the test's output folder): started with an
/// environment, its address read from the line it prints once Kestrel is listening ("Console listening on
/// http://127.0.0.1:PORT"), its output kept, stopped with SIGTERM (SIGKILL if it does not exit).
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    public const string ListeningPrefix = "Console listening on ";

    private readonly Process _process;

    private ConsoleProcess(Process process, ConcurrentQueue<string> output, Uri baseUri)
    {
        _process = process;
        Output = output;
        BaseUri = baseUri;
    }

    /// <summary>The console's address, ending with a slash: <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>Every line the console wrote to stdout or stderr so far.</summary>
    public ConcurrentQueue<string> Output { get; }

    public bool HasExited => _process.HasExited;

    public static async Task<ConsoleProcess> StartAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "archiver.dll"));
        start.ArgumentList.Add("console");
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var output = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            output.Enqueue(e.Data);
            if (e.Data.StartsWith(ListeningPrefix, StringComparison.Ordinal))
                listening.TrySetResult(new Uri(e.Data[ListeningPrefix.Length..].Trim().TrimEnd('/') + "/"));
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("archiver console exited before listening"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(timeout);
            return new ConsoleProcess(process, output, address);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(); // and its output read to the end
            throw new InvalidOperationException($"archiver console did not start ({e.Message}): {string.Join(" / ", output)}", e);
        }
    }

    public string Tail(int lines = 20) => string.Join(" / ", Output.TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }

    /// <summary>Runs <c>archiver</c> with <paramref name="input"/> on its standard input (e.g. <c>console add-user</c>'s password).</summary>
    public static async Task<ProcessResult> ArchiverWithInputAsync(IReadOnlyDictionary<string, string?> environment, string input, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "archiver.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteLineAsync(input);
        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(cancel.Token);
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
