using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Archiver.Worker.Hosting;

/// <summary>The long-running worker: the generic host with the archive's services.</summary>
public static class WorkerHost
{
    public static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Services.AddArchiveStore(builder.Configuration);
        builder.Services.AddHostedService<StoreStartupService>();
        builder.Services.AddConsumerSessions(builder.Configuration);
        using var host = builder.Build();
        await host.RunAsync(cancellationToken);
        return 0;
    }
}
