using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Archiver.Worker.Projections;

/// <summary>
/// Empties the search indexes' pending lists every second, on a connection of its own, so that an append's transcript
/// insert never has to (migrations/0015_search_pending_flush.sql; docs/benchmarks.md, "e2e"). A failure (the database
/// away) is logged once, and the next tick tries again; nothing else waits for this.
/// </summary>
public sealed partial class SearchIndexFlusher(NpgsqlDataSource dataSource, TimeProvider time, ILogger<SearchIndexFlusher> logger) : BackgroundService
{
    /// <summary>
    /// Short enough that a list holds about a second of messages when it is emptied (a few milliseconds' work at
    /// 2,000 events/s), far from the 4 MB at which an insert would empty it itself.
    /// </summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        var failing = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await FlushAsync(dataSource, stoppingToken);
                    if (failing)
                        Recovered(logger);
                    failing = false;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
                {
                    if (!failing)
                        Failed(logger, e.Message);
                    failing = true;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One flush of both search indexes; the pending-list pages it removed.</summary>
    public static async Task<long> FlushAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT readmodel.flush_search_pending()");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning,
        Message = "Could not empty the search indexes' pending lists; appends will do it themselves meanwhile: {Reason}")]
    private static partial void Failed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information, Message = "The search indexes' pending lists are emptied in the background again")]
    private static partial void Recovered(ILogger logger);
}
