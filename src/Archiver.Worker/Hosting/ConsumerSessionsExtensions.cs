using Archiver.Worker.Coordination;
using Archiver.Worker.Ingestion;
using Archiver.Worker.Observability;
using Archiver.Worker.Sessions;
using Archiver.Worker.Sessions.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Hosting;

public static class ConsumerSessionsExtensions
{
    /// <summary>
    /// Consumer sessions on LivePerson (section <c>LivePerson</c>) feeding the ingestion pipeline (section
    /// <c>Ingestion</c>). The writer is registered before the sessions so that it stops after them and drains.
    /// </summary>
    public static IServiceCollection AddConsumerSessions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LivePersonOptions>().Bind(configuration.GetSection(LivePersonOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LivePersonOptions>, LivePersonOptionsValidator>();
        services.AddOptions<IngestionOptions>().Bind(configuration.GetSection(IngestionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        // Every answer is buffered (the default completion option) and capped: a server cannot make the worker hold more.
        services.AddHttpClient<DomainDirectory>(http => Limit(http, TimeSpan.FromSeconds(30)));
        services.AddHttpClient<IdpClient>(http => Limit(http, TimeSpan.FromSeconds(30)));
        services.AddHttpClient(nameof(AgentProfiles), http => Limit(http, TimeSpan.FromSeconds(10)));
        services.AddSingleton<AgentProfiles>();
        services.AddSingleton<IIdentityVault, PostgresIdentityVault>();
        services.AddSingleton<ArchiveChannel>();
        services.AddSingleton<ConversationTracker>();
        services.AddSingleton<IIngestion, IngestionPipeline>();
        services.AddSingleton<ServiceHealth>();
        services.AddSingleton<IngestionMetrics>();
        services.AddSingleton<SessionMetrics>();
        services.AddSingleton<SessionRegistry>();
        services.AddOptions<CoordinationOptions>().Bind(configuration.GetSection(CoordinationOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.HeartbeatSeconds * 2 <= o.LeaseSeconds, "Coordination__HeartbeatSeconds must be at most half of Coordination__LeaseSeconds.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.WorkerId), "Coordination__WorkerId must not be empty.")
            .ValidateOnStart();
        services.AddSingleton<ConsumerLeases>();
        services.AddSingleton<ConsumerRegistry>();
        services.AddSingleton<RegistryChanges>();
        services.AddHostedService<RegistryWatcher>();

        services.AddHostedService<ArchiveWriter>();
        services.AddHostedService<ConsumerSessionsService>();
        services.AddHostedService(sp => sp.GetRequiredService<AgentProfiles>());
        return services;
    }

    /// <summary>The most any LivePerson HTTP answer (domains, tokens, an agent's profile) may be; real ones are a few KB.</summary>
    internal const int MaxHttpResponseBytes = 1024 * 1024;

    private static void Limit(HttpClient http, TimeSpan timeout)
    {
        http.Timeout = timeout;
        http.MaxResponseContentBufferSize = MaxHttpResponseBytes;
    }
}
