using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>
/// Retention on a schedule inside the worker (<c>Retention__RunEveryHours</c>, off by default; docs/compliance.md): once
/// at start, then every so many hours. Disposal is the owner's: it runs on its own connection as the login of
/// <c>ConnectionStrings__Lifecycle</c>, never as the worker's. With several workers one runs it at a time (an advisory
/// lock); a failed run is logged and tried again at the next one.
/// </summary>
public sealed partial class RetentionService(IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionService> logger) : BackgroundService
{
    // Any fixed number: the same for every Archiver process on this database.
    private const long RetentionLockKey = 0x5265_7465_6e74_696f; // "Retentio"

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.RunEveryHours == 0)
            return;
        await using var dataSource = NpgsqlDataSource.Create(o.LifecycleConnectionString!);
        var retention = new Retention(dataSource, options, new Disposer(dataSource, time), time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(dataSource, retention, stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                RunFailed(logger, e.Message);
            }
            await Task.Delay(TimeSpan.FromHours(o.RunEveryHours), time, stoppingToken);
        }
    }

    private async Task RunOnceAsync(NpgsqlDataSource dataSource, Retention retention, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({RetentionLockKey})", connection))
        {
            if (await take.ExecuteScalarAsync(cancellationToken) is not true)
            {
                AnotherWorkerRuns(logger);
                return;
            }
        }
        try
        {
            var outcomes = await retention.RunAsync(null, cancellationToken);
            var disposed = outcomes.Count(x => x.Done);
            RunDone(logger, disposed, outcomes.Count - disposed);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({RetentionLockKey})", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: disposed of {Disposed} conversation(s), {Kept} kept by legal holds")]
    private static partial void RunDone(ILogger logger, int disposed, int kept);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: another worker is running it; skipped this time")]
    private static partial void AnotherWorkerRuns(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention failed and will be tried again at its next run: {Reason}")]
    private static partial void RunFailed(ILogger logger, string reason);
}
