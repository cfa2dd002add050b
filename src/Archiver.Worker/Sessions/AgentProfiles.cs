using System.Threading.Channels;
using Archiver.Worker.Ingestion;
using Archiver.Worker.Observability;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Sessions;

/// <summary>
/// Agent names (docs/protocol.md §14.9): each agent seen in a conversation has its public profile fetched once per
/// process from <c>acCdnDomain</c> and archived as an <c>AgentProfileObserved</c> event (deduplicated by content), so
/// the read models can name agents and a rebuild names them the same. Sessions only hand over ids: archiving never waits on it.
/// The agents asked for are remembered in a bounded LRU set, so a long run does not grow with every agent ever seen.
/// </summary>
public sealed partial class AgentProfiles(
    IHttpClientFactory httpClients,
    DomainDirectory directory,
    IIngestion ingestion,
    IOptions<LivePersonOptions> options,
    TimeProvider time,
    ServiceHealth health,
    ILogger<AgentProfiles> logger) : SupervisedService(time, logger, health)
{
    public const string AcCdnDomain = "acCdnDomain";

    /// <summary>Agents remembered as asked for; one forgotten is asked for again when next seen (a duplicate profile is not archived twice).</summary>
    private const int RememberAgents = 10_000;

    /// <summary>Agents waiting to be fetched; beyond this many, more are dropped until the next time they are seen.</summary>
    private const int MaxWaiting = 10_000;

    private readonly Channel<string> _wanted = Channel.CreateBounded<string>(new BoundedChannelOptions(MaxWaiting)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly ConcurrentLru<string, bool> _seen = new(RememberAgents);

    public override string Name => "agent profiles";

    /// <summary>Asks for an agent's profile unless it was asked for recently. Never blocks.</summary>
    public void Want(string agentId)
    {
        if (!ingestion.IsArchivableAgentId(agentId) || _seen.TryGet(agentId, out _))
            return;
        _seen.AddOrUpdate(agentId, true);
        _wanted.Writer.TryWrite(agentId);
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var agentId in _wanted.Reader.ReadAllAsync(stoppingToken))
            {
                // Transient HTTP failures were retried by the client's resilience handler (ConsumerSessionsExtensions);
                // what still fails is fetched again the next time the agent is seen after it is forgotten.
                try
                {
                    await FetchAsync(agentId, stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is not ChannelClosedException)
                {
                    var reason = e.GetType().Name; // by type only: a message could carry a URL
                    ProfileFailed(logger, agentId, reason);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; a profile not fetched now is fetched the next time the agent is seen.
        }
        catch (ChannelClosedException)
        {
            // The sessions have stopped and the channel is draining: same as stopping.
        }
    }

    private async Task FetchAsync(string agentId, CancellationToken cancellationToken)
    {
        var domains = await directory.GetAsync(cancellationToken);
        if (!domains.Hosts.ContainsKey(AcCdnDomain))
            return;
        var uri = domains.Http(AcCdnDomain, $"/api/account/{Uri.EscapeDataString(options.Value.AccountId!)}/configuration/le-users/users/{Uri.EscapeDataString(agentId)}");
        using var http = httpClients.CreateClient(nameof(AgentProfiles));
        using var response = await http.GetAsync(uri, cancellationToken);
        if (!response.IsSuccessStatusCode)
            return; // not every participant has a public profile (bots, system)
        // The client caps what it buffers (ConsumerSessionsExtensions): a huge answer fails here, it is not read whole.
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        await ingestion.ArchiveAgentProfileAsync(agentId, body, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Agent profile {AgentId} not fetched: {Reason}")]
    private static partial void ProfileFailed(ILogger logger, string agentId, string reason);
}
