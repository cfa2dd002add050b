using Archiver.Worker.Coordination;
using Archiver.Worker.Ingestion;
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

        services.AddHttpClient<DomainDirectory>(http => http.Timeout = TimeSpan.FromSeconds(30));
        services.AddHttpClient<IdpClient>(http => http.Timeout = TimeSpan.FromSeconds(30));
        services.AddHttpClient(nameof(AgentProfiles), http => http.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<AgentProfiles>();
        services.AddSingleton<IdentityVault>();
        services.AddSingleton<ArchiveChannel>();
        services.AddSingleton<ConversationStates>();
        services.AddSingleton<IngestionMetrics>();
        services.AddSingleton<SessionMetrics>();
        services.AddSingleton<SessionRegistry>();
        services.AddOptions<CoordinationOptions>().Bind(configuration.GetSection(CoordinationOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.HeartbeatSeconds * 2 <= o.LeaseSeconds, "Coordination__HeartbeatSeconds must be at most half of Coordination__LeaseSeconds.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.WorkerId), "Coordination__WorkerId must not be empty.")
            .ValidateOnStart();
        services.AddSingleton<ConsumerLeases>();

        services.AddHostedService<ArchiveWriter>();
        services.AddHostedService<ConsumerSessionsService>();
        services.AddHostedService(sp => sp.GetRequiredService<AgentProfiles>());
        return services;
    }
}
