using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

#pragma warning disable CA1050 // the runtime looks a startup hook up by this exact name, in no namespace

/// <summary>
/// Loaded into a worker process that a benchmark starts (<c>DOTNET_STARTUP_HOOKS</c>, see <see cref="Archiver.Bench.WorkerProcess"/>),
/// so the worker runs alone in its own process — its CPU and memory are its own — while the benchmark still reads the
/// worker's own instruments exactly, as it did in-process: every ingestion lag, the events appended, the append
/// transactions, the sessions connected, and the GC's view of the heap. Nothing of this is in the archiver binary.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(Archiver.Bench.WorkerProbe.SocketVariable) is { Length: > 0 } path)
            Archiver.Bench.WorkerProbe.Serve(path);
    }
}

#pragma warning restore CA1050

namespace Archiver.Bench
{
    /// <summary>
    /// The worker side of the probe: a listener on the worker's instruments, answering one-line commands on a Unix socket
    /// (<c>stats</c>, <c>lags-start</c>, <c>lags-stop</c>, <c>gc</c>, <c>collect</c>) with one line of JSON.
    /// </summary>
    public static class WorkerProbe
    {
        public const string SocketVariable = "ARCHIVER_BENCH_PROBE";

        private static readonly Lock Gate = new();
        private static readonly MeterListener Listener = new();
        private static List<double>? _lags;
        private static long _appended;
        private static long _appends;
        private static double _appendSeconds;
        private static long _batchEvents;
        private static long _connected;

        public static void Serve(string path)
        {
            Listener.InstrumentPublished = (instrument, listener) =>
            {
                if ((instrument.Meter.Name == "Archiver.Ingestion" && instrument.Name == "archiver.ingestion.lag")
                    || (instrument.Meter.Name == "Archiver.Store"
                        && instrument.Name is "archiver.events.appended" or "archiver.append.duration" or "archiver.append.batch_size")
                    || (instrument.Meter.Name == "Archiver.Sessions" && instrument.Name == "archiver.sessions.connected"))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            Listener.SetMeasurementEventCallback<double>((instrument, seconds, _, _) =>
            {
                lock (Gate)
                {
                    if (instrument.Name == "archiver.append.duration")
                    {
                        _appends++;
                        _appendSeconds += seconds;
                    }
                    else
                    {
                        _lags?.Add(seconds * 1000);
                    }
                }
            });
            Listener.SetMeasurementEventCallback<int>((_, events, _, _) => Interlocked.Add(ref _batchEvents, events));
            Listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                if (instrument.Name == "archiver.sessions.connected")
                    Interlocked.Add(ref _connected, value);
                else
                    Interlocked.Add(ref _appended, value);
            });
            Listener.Start();

            File.Delete(path);
            var server = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            server.Bind(new UnixDomainSocketEndPoint(path));
            server.Listen(4);
            var thread = new Thread(() => Accept(server)) { IsBackground = true, Name = "bench probe" };
            thread.Start();
        }

        private static void Accept(Socket server)
        {
            while (true)
            {
                var client = server.Accept();
                _ = Task.Run(() => Answer(client));
            }
        }

        private static void Answer(Socket client)
        {
            using var stream = new NetworkStream(client, ownsSocket: true);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
            while (reader.ReadLine() is { } command)
            {
                writer.WriteLine(command switch
                {
                    "stats" => Stats(),
                    "lags-start" => Lags(start: true),
                    "lags-stop" => Lags(start: false),
                    "gc" => Gc(),
                    "collect" => Collect(),
                    _ => "{}",
                });
            }
        }

        private static string Stats()
        {
            lock (Gate)
            {
                return JsonSerializer.Serialize(new ProbeStats(Interlocked.Read(ref _appended), _appends, _appendSeconds,
                    Interlocked.Read(ref _batchEvents), Interlocked.Read(ref _connected),
                    System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalSeconds,
                    GC.CollectionCount(0), GC.GetTotalPauseDuration().TotalSeconds, GC.GetTotalAllocatedBytes()));
            }
        }

        private static string Lags(bool start)
        {
            lock (Gate)
            {
                var collected = _lags ?? [];
                _lags = start ? [] : null;
                return JsonSerializer.Serialize(collected);
            }
        }

        private static string Collect()
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            return Gc();
        }

        private static string Gc()
        {
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            return JsonSerializer.Serialize(new ProbeGc(
                System.Runtime.GCSettings.IsServerGC, Environment.ProcessorCount,
                info.HeapSizeBytes, info.TotalCommittedBytes, info.FragmentedBytes, GC.GetTotalMemory(false),
                info.GenerationInfo.ToArray().Select(g => g.SizeAfterBytes).ToArray(), ThreadPool.ThreadCount,
                System.Diagnostics.Process.GetCurrentProcess().Threads.Count,
                GC.GetConfigurationVariables().ToDictionary(kv => kv.Key, kv => Convert.ToString(kv.Value, CultureInfo.InvariantCulture) ?? "")));
        }
    }

    /// <summary>The worker's counters; JIT and GC are the runtime's own (what a fresh process spends on compiling, and on collecting).</summary>
    public sealed record ProbeStats(long Appended, long Appends, double AppendSeconds, long BatchEvents, long Connected,
        long JitMethods = 0, double JitSeconds = 0, int Gen0Collections = 0, double GcPauseSeconds = 0, long AllocatedBytes = 0);

    public sealed record ProbeGc(bool ServerGc, int Processors, long HeapBytes, long CommittedBytes, long FragmentedBytes, long TotalMemory,
        long[] GenerationBytes, int ThreadPoolThreads, int Threads, Dictionary<string, string> Configuration);
}
