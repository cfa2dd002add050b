using Archiver.Worker.Lifecycle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Hosting;

public static class LifecycleExtensions
{
    /// <summary>Retention, legal holds, erasure and masking (docs/compliance.md): the owner's operations, and their configuration.</summary>
    public static IServiceCollection AddLifecycle(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section))
            .Configure(o => o.LifecycleConnectionString = configuration.GetConnectionString("Lifecycle")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        services.AddOptions<ErasureOptions>().Bind(configuration.GetSection(ErasureOptions.Section)).ValidateOnStart();
        services.AddOptions<MaskingOptions>().Bind(configuration.GetSection(MaskingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MaskingOptions>, MaskingOptionsValidator>();
        services.AddSingleton<MaskingApplier>();
        services.AddSingleton<Disposer>();
        services.AddSingleton<Eraser>();
        services.AddSingleton<Retention>();
        services.AddSingleton<LegalHolds>();
        services.AddSingleton<ConsumerRegistration>();
        return services;
    }
}
