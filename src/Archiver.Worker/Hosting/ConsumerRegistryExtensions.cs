using Archiver.Worker.Coordination;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Archiver.Worker.Hosting;

public static class ConsumerRegistryExtensions
{
    /// <summary>The consumer registry's table (migration 0014): written by the CLI as the owner, read by the workers.</summary>
    public static IServiceCollection AddConsumerRegistry(this IServiceCollection services)
    {
        services.TryAddSingleton<ConsumerRegistry>();
        return services;
    }
}
