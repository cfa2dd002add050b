using Archiver.Worker.Ingestion;
using Archiver.Worker.Sessions.Identity;
using Archiver.Worker.Sessions.Ums;
using Archiver.Worker.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Sessions;

/// <summary>
/// Runs one <see cref="ConsumerSession"/> per configured consumer. On shutdown the sessions stop reading first, then
/// the channel is completed so the writer (stopped after this service) archives everything they handed over.
/// </summary>
internal sealed class ConsumerSessionsService(
    IOptions<LivePersonOptions> options,
    IOptions<IngestionOptions> ingestion,
    DomainDirectory directory,
    IdpClient idp,
    IdentityVault vault,
    ArchiveChannel channel,
    ConversationStates states,
    IEventStore store,
    IngestionMetrics ingestionMetrics,
    SessionMetrics sessionMetrics,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var logger = loggerFactory.CreateLogger<ConsumerSession>();
        if (!o.Tls)
            SessionLog.TlsOff(logger);
        if (o.Consumers.Count == 0)
            SessionLog.NoConsumers(logger);

        var keepAlive = TimeSpan.FromSeconds(o.KeepAliveSeconds);
        var context = new ConnectionContext(channel, states, store, ingestionMetrics, sessionMetrics, timeProvider, keepAlive,
            ingestion.Value.ArchiveChatStates, logger);
        var settings = new UmsConnectionSettings(keepAlive, keepAlive, TimeSpan.FromSeconds(o.RequestTimeoutSeconds), o.MaxFrameBytes);
        var identityLogger = loggerFactory.CreateLogger<ConsumerIdentity>();
        try
        {
            await Task.WhenAll(o.Consumers.Select(consumer =>
            {
                var identity = new ConsumerIdentity(consumer, o.AccountId!, idp, vault, timeProvider, identityLogger);
                var session = new ConsumerSession(identity, directory, context, settings, o.AccountId!,
                    TimeSpan.FromMilliseconds(o.ReconnectInitialDelayMs), TimeSpan.FromMilliseconds(o.ReconnectMaxDelayMs));
                return Task.Run(() => session.RunAsync(stoppingToken), CancellationToken.None);
            }));
        }
        finally
        {
            channel.Complete();
        }
    }
}
