using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Archiver.Bench;

/// <summary>
/// The archiver worker as its own process (<c>dotnet archiver.dll</c>, configured by environment variables), so what
/// it spends — CPU (utime + stime in /proc/PID/stat) and memory (VmRSS in /proc/PID/status) — is counted apart from the
/// simulator and the benchmark. Its instruments are read through <see cref="WorkerProbe"/>, loaded as a startup hook.
/// Its log goes to a file, shown when it fails.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly Socket _probe;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private WorkerProcess(Process process, string directory, Socket probe)
    {
        _process = process;
        _directory = directory;
        _probe = probe;
        var stream = new NetworkStream(probe, ownsSocket: false);
        _reader = new StreamReader(stream, Encoding.UTF8);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
    }

    public int Pid => _process.Id;

    public string LogFile => Path.Combine(_directory, "worker.log");

    public bool HasExited => _process.HasExited;

    public static async Task<WorkerProcess> StartAsync(IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("archiver-bench-worker-").FullName;
        var socketPath = Path.Combine(directory, "probe.sock");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(WorkerDll());
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        // ARCHIVER_BENCH_WORKER_ENV="NAME=VALUE;…": settings for the worker alone (e.g. DOTNET_gcServer=0, to compare GC modes).
        foreach (var pair in (Environment.GetEnvironmentVariable("ARCHIVER_BENCH_WORKER_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            start.Environment[pair[..pair.IndexOf('=', StringComparison.Ordinal)]] = pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..];
        start.Environment["DOTNET_STARTUP_HOOKS"] = typeof(WorkerProbe).Assembly.Location;
        start.Environment[WorkerProbe.SocketVariable] = socketPath;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var log = new StreamWriter(Path.Combine(directory, "worker.log")) { AutoFlush = true };
        var logGate = new Lock();
        void Log(string? line)
        {
            if (line is null)
                return;
            lock (logGate)
                log.WriteLine(line);
        }
        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The worker exited with {process.ExitCode} before its probe answered; log: {Tail(Path.Combine(directory, "worker.log"))}");
            if (File.Exists(socketPath))
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new WorkerProcess(process, directory, socket);
                }
                catch (SocketException)
                {
                    socket.Dispose(); // bound, not listening yet
                }
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException("The worker's probe did not answer within 60 s.");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>The archiver binary that <c>dotnet build bench/Archiver.Bench</c> built beside its project (bench/run sets the path).</summary>
    private static string WorkerDll()
    {
        if (Environment.GetEnvironmentVariable("ARCHIVER_BENCH_WORKER_DLL") is { Length: > 0 } given)
            return given;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Archiver.Worker", "bin", "Release", "net10.0", "archiver.dll");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException("archiver.dll not found: build src/Archiver.Worker -c Release, or set ARCHIVER_BENCH_WORKER_DLL.");
    }

    public Task<ProbeStats> StatsAsync(CancellationToken cancellationToken) => AskAsync<ProbeStats>("stats", cancellationToken);

    public Task<List<double>> LagsAsync(bool start, CancellationToken cancellationToken) =>
        AskAsync<List<double>>(start ? "lags-start" : "lags-stop", cancellationToken);

    /// <summary>The GC's view of the worker's heap; with <paramref name="collect"/>, after a full compacting collection.</summary>
    public Task<ProbeGc> GcAsync(bool collect, CancellationToken cancellationToken) => AskAsync<ProbeGc>(collect ? "collect" : "gc", cancellationToken);

    private async Task<T> AskAsync<T>(string command, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await _writer.WriteLineAsync(command.AsMemory(), cancellationToken);
            var line = await _reader.ReadLineAsync(cancellationToken)
                       ?? throw new InvalidOperationException($"The worker's probe closed; log: {Tail(LogFile)}");
            return JsonSerializer.Deserialize<T>(line)!;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>CPU seconds the worker process has used (user + system), from /proc/PID/stat.</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0; // USER_HZ
    }

    /// <summary>The worker's resident set (VmRSS), in MiB.</summary>
    public double RssMb()
    {
        var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>How many file descriptors the worker holds (sockets among them).</summary>
    public int OpenFiles() => Directory.GetFiles($"/proc/{Pid}/fd").Length;

    /// <summary>Throws, with the end of the worker's log, if it has exited.</summary>
    public void ThrowIfExited()
    {
        if (_process.HasExited)
            throw new InvalidOperationException($"The worker exited with {_process.ExitCode}; log: {Tail(LogFile)}");
    }

    public static string Tail(string file) =>
        File.Exists(file) ? string.Join(Environment.NewLine, File.ReadLines(file).TakeLast(30)) : "(none)";

    /// <summary>SIGTERM, as systemd or Kubernetes stop it (it drains and signs its checkpoint), then waits for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        _probe.Dispose();
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync("bench: the worker did not stop within 30 s of SIGTERM; killed");
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
        _gate.Dispose();
        if (Environment.GetEnvironmentVariable("ARCHIVER_BENCH_KEEP_LOGS") != "1")
            Directory.Delete(_directory, recursive: true);
        else
            await Console.Error.WriteLineAsync($"bench: worker log kept in {LogFile}");
    }
}
