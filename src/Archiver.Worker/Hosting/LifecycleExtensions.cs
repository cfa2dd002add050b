using Archiver.Worker.Lifecycle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Archiver.Worker.Hosting;

public static class LifecycleExtensions
{
    /// <summary>Retention, legal holds, erasure and masking (docs/compliance.md): the owner's operations, and their configuration.</summary>
    public static IServiceCollection AddLifecycle(this IServiceCollection services)
    {
        services.AddValidatedOptions<RetentionOptions, RetentionOptionsValidator>(RetentionOptions.Section)
            .Configure<IConfiguration>((o, configuration) => o.LifecycleConnectionString = configuration.GetConnectionString("Lifecycle"));
        services.AddValidatedOptions<ErasureOptions, ErasureOptionsValidator>(ErasureOptions.Section);
        services.AddValidatedOptions<MaskingOptions, MaskingOptionsValidator>(MaskingOptions.Section);
        services.AddSingleton<MaskingApplier>();
        services.AddSingleton<Disposer>();
        services.AddSingleton<Eraser>();
        services.AddSingleton<Retention>();
        services.AddSingleton<LegalHolds>();
        services.AddSingleton<ConsumerRegistration>();
        return services;
    }
}
