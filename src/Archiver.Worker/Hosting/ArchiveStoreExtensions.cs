using Archiver.Worker.Projections;
using Archiver.Worker.Store;
using Archiver.Worker.Store.Checkpoints;
using Archiver.Worker.Store.Migrations;
using Archiver.Worker.Store.Verification;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Hosting;

public static class ArchiveStoreExtensions
{
    /// <summary>The event store, its migrations and verification, on the database named by <c>ConnectionStrings:Archive</c>.</summary>
    public static IServiceCollection AddArchiveStore(this IServiceCollection services)
    {
        services.AddValidatedOptions<ArchiveOptions, ArchiveOptionsValidator>(ArchiveOptions.Section)
            .Configure<IConfiguration>((o, configuration) => o.ConnectionString = configuration.GetConnectionString("Archive"));

        services.AddMetrics();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var builder = new NpgsqlDataSourceBuilder(sp.GetRequiredService<IOptions<ArchiveOptions>>().Value.ConnectionString);
            builder.ConnectionStringBuilder.ApplicationName ??= "archiver";
            // The pool's label on Npgsql's metrics and spans; otherwise it is the connection string (less its password).
            builder.Name = "archive";
            // No JIT: the projections' per-batch statements are cheap but look expensive to the planner, and compiling
            // them took longer than running them (~30 ms per append, measured by bench/run e2e).
            builder.ConnectionStringBuilder.Options = $"{builder.ConnectionStringBuilder.Options} -c jit=off".Trim();
            return builder.Build();
        });
        services.AddSingleton<StoreMetrics>();
        services.AddSingleton<MaskingInForce>();
        // In this order: the read models' figures are computed from the transcript rows of the same batch.
        services.AddSingleton<IInlineProjection, TranscriptProjection>();
        services.AddSingleton<IInlineProjection, ReadModelsProjection>();
        services.AddSingleton<IInlineProjection, AgentsProjection>();
        services.AddSingleton<IEventStore, PostgresEventStore>();
        services.AddSingleton<ProjectionRebuilder>();
        services.AddSingleton<AdminLog>();
        services.AddSingleton(sp => new MigrationRunner(sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<MigrationRunner>>(), sp.GetRequiredService<AdminLog>()));
        services.AddSingleton<EventLogVerifier>();
        services.AddValidatedOptions<IntegrityOptions, IntegrityOptionsValidator>(IntegrityOptions.Section);
        services.AddSingleton<Checkpointer>();
        services.AddSingleton<CheckpointVerifier>();
        services.AddSingleton<ReadSide.Exporter>();
        return services;
    }
}
