using Archiver.Worker.Store;
using Archiver.Worker.Store.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Hosting;

/// <summary>
/// Brings the schema up to date before anything else starts (or, with <c>Archive__MigrateOnStart=false</c>, only checks
/// that no applied migration was changed), then reports the store's status.
/// </summary>
internal sealed partial class StoreStartupService(
    MigrationRunner migrations,
    NpgsqlDataSource dataSource,
    IOptions<ArchiveOptions> options,
    ILogger<StoreStartupService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStart)
            await migrations.MigrateAsync(Migration.Embedded(), cancellationToken);
        else
            await migrations.CheckAsync(Migration.Embedded(), cancellationToken);

        var status = await StoreStatus.ReadAsync(dataSource, cancellationToken);
        StoreReady(logger, status.SchemaVersion ?? 0, status.Events, status.Streams, status.Conflicts);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Archive ready: schema version {SchemaVersion}, {Events} events in {Streams} streams, {Conflicts} conflict(s)")]
    private static partial void StoreReady(ILogger logger, int schemaVersion, long events, long streams, long conflicts);
}
