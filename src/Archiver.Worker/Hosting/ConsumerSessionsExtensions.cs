using Archiver.Worker.Coordination;
using Archiver.Worker.Ingestion;
using Archiver.Worker.Observability;
using Archiver.Worker.Sessions;
using Archiver.Worker.Sessions.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Archiver.Worker.Hosting;

public static class ConsumerSessionsExtensions
{
    /// <summary>
    /// Consumer sessions on LivePerson (section <c>LivePerson</c>) feeding the ingestion pipeline (section
    /// <c>Ingestion</c>). The writer is registered before the sessions so that it stops after them and drains.
    /// </summary>
    public static IServiceCollection AddConsumerSessions(this IServiceCollection services)
    {
        services.AddValidatedOptions<LivePersonOptions, LivePersonOptionsValidator>(LivePersonOptions.Section);
        services.AddValidatedOptions<IngestionOptions, IngestionOptionsValidator>(IngestionOptions.Section);

        services.AddHttpClient<DomainDirectory>().AddLivePersonResilience();
        services.AddHttpClient<IdpClient>().AddLivePersonResilience();
        services.AddHttpClient(nameof(AgentProfiles)).AddLivePersonResilience();
        services.AddSingleton<AgentProfiles>();
        services.AddSingleton<IIdentityVault, PostgresIdentityVault>();
        services.AddSingleton<ArchiveChannel>();
        services.AddSingleton<ConversationTracker>();
        services.AddSingleton<IIngestion, IngestionPipeline>();
        services.AddSingleton<ServiceHealth>();
        services.AddSingleton<IngestionMetrics>();
        services.AddSingleton<SessionMetrics>();
        services.AddSingleton<SessionRegistry>();
        services.AddValidatedOptions<CoordinationOptions, CoordinationOptionsValidator>(CoordinationOptions.Section);
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

    /// <summary>
    /// The one place every LivePerson HTTP client is made resilient (section <c>LivePerson:Http</c>): the standard
    /// resilience handler's total timeout, retries of transient failures (exponential, with jitter, honouring
    /// Retry-After), circuit breaker and per-attempt timeout. Every answer is buffered (the default completion option)
    /// and capped: a server cannot make the worker hold more, and the client's own timeout bounds the body's reading too.
    /// </summary>
    private static IHttpClientBuilder AddLivePersonResilience(this IHttpClientBuilder client)
    {
        client.ConfigureHttpClient((sp, http) =>
        {
            http.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<LivePersonOptions>>().Value.Http.TotalTimeoutSeconds);
            http.MaxResponseContentBufferSize = MaxHttpResponseBytes;
        });
        client.AddStandardResilienceHandler().Configure((resilience, sp) =>
        {
            var o = sp.GetRequiredService<IOptions<LivePersonOptions>>().Value.Http;
            resilience.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(o.TotalTimeoutSeconds);
            resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(o.AttemptTimeoutSeconds);
            resilience.Retry.MaxRetryAttempts = o.MaxRetryAttempts;
            resilience.Retry.Delay = TimeSpan.FromMilliseconds(o.RetryDelayMs);
            resilience.Retry.BackoffType = DelayBackoffType.Exponential;
            resilience.Retry.UseJitter = true;
            // A POST is not repeated here: a signup retried after a timeout would make a second consumer at the IDP.
            // The session's own backoff asks again, from the start of its connection flow.
            resilience.Retry.DisableForUnsafeHttpMethods();
            resilience.CircuitBreaker.FailureRatio = o.CircuitBreakerFailureRatio;
            resilience.CircuitBreaker.MinimumThroughput = o.CircuitBreakerMinimumThroughput;
            resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(o.CircuitBreakerSamplingSeconds);
            resilience.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(o.CircuitBreakerBreakSeconds);
        });
        return client;
    }
}
