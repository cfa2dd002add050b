using Archiver.Worker.Store;
using Archiver.Worker.Store.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Hosting;

/// <summary>
/// Brings the schema up to date before anything else starts (or, with <c>Archive__MigrateOnStart=false</c>, the
/// production setting, checks that every migration this build needs is applied and none was changed, and refuses to
/// start otherwise), warns loudly when the worker's login could do more than append, then reports the store's status.
/// </summary>
internal sealed partial class StoreStartupService(
    MigrationRunner migrations,
    NpgsqlDataSource dataSource,
    IOptions<ArchiveOptions> options,
    ILogger<StoreStartupService> logger,
    Lifecycle.MaskingApplier? masking = null,
    IOptions<Lifecycle.MaskingOptions>? maskingOptions = null) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var embedded = Migration.Embedded();
        if (options.Value.MigrateOnStart)
        {
            await migrations.MigrateAsync(embedded, cancellationToken);
            // As `archiver migrate` does: an archive with no masking rules in force gets the configured ones.
            if (masking is not null)
                await masking.EnsureInForceAsync(maskingOptions?.Value.ToRuleSet() ?? Archiver.Domain.Masking.MaskingRuleSet.Default, cancellationToken);
        }
        else
        {
            await migrations.CheckAsync(embedded, cancellationToken);
            var version = await migrations.SchemaVersionAsync(cancellationToken);
            if (version < embedded[^1].Version)
            {
                throw new InvalidOperationException(
                    $"The archive's schema is at version {version} and this build needs {embedded[^1].Version}: run `archiver migrate` with the " +
                    "owner's credential first (Archive__MigrateOnStart is false, so the worker does not migrate).");
            }
        }
        await WarnAboutPrivilegesAsync(cancellationToken);

        var status = await StoreStatus.ReadAsync(dataSource, cancellationToken);
        StoreReady(logger, status.SchemaVersion ?? 0, status.Events, status.Streams, status.Conflicts);
    }

    /// <summary>
    /// The worker faces the internet: its login should only append (a member of archiver_writer). As the tables' owner
    /// it could disable the append-only triggers; as a superuser, anything (docs/operations.md, "Roles").
    /// </summary>
    private async Task WarnAboutPrivilegesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT current_user::text, r.rolsuper, pg_has_role(current_user, c.relowner, 'MEMBER')
            FROM pg_roles r, pg_class c
            WHERE r.rolname = current_user AND c.oid = 'archive.events'::regclass
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return;
        var (login, superuser, owner) = (reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2));
        if (superuser)
            PrivilegedLogin(logger, login, "is a SUPERUSER");
        else if (owner)
            PrivilegedLogin(logger, login, "owns the archive's tables (it could disable the append-only triggers)");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "THE WORKER'S LOGIN {Login} {What}. Run the worker as a login that is only a member of archiver_writer, and migrations as the owner (docs/operations.md, \"Roles\").")]
    private static partial void PrivilegedLogin(ILogger logger, string login, string what);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Archive ready: schema version {SchemaVersion}, {Events} events in {Streams} streams, {Conflicts} conflict(s)")]
    private static partial void StoreReady(ILogger logger, int schemaVersion, long events, long streams, long conflicts);
}
