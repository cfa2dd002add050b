using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Archiver.Worker.Hosting;

/// <summary>The long-running worker: the archive's services, the consumer sessions, and health and metrics over HTTP.</summary>
public static class WorkerHost
{
    public static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Services.AddArchiveStore();
        builder.Services.AddLifecycle();
        builder.Services.AddHostedService<Archiver.Worker.Lifecycle.RetentionService>();
        builder.Services.AddHostedService<StoreStartupService>();
        // Before the writer (in AddConsumerSessions): hosted services stop in reverse order, so the last checkpoint is
        // taken after the writer has drained.
        builder.Services.AddHostedService<Archiver.Worker.Store.Checkpoints.CheckpointService>();
        builder.Services.AddConsumerSessions();
        builder.AddObservability();
        builder.Services.AddHostedService<IdleMemoryTrimmer>();
        builder.Services.AddHostedService<Archiver.Worker.Projections.SearchIndexFlusher>();
        await using var app = builder.Build();
        app.MapObservability();
        await app.RunAsync(cancellationToken);
        return 0;
    }
}
