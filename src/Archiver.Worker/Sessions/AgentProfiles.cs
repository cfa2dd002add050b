using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Worker.Ingestion;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Sessions;

/// <summary>
/// Agent names (§14.9): each agent seen in a conversation has its public profile fetched once per process from
/// <c>acCdnDomain</c> and archived as an <c>AgentProfileObserved</c> event (deduplicated by content), so the read
/// models can name agents and a rebuild names them the same. Sessions only hand over ids: archiving never waits on it.
/// </summary>
public sealed partial class AgentProfiles(
    IHttpClientFactory httpClients,
    DomainDirectory directory,
    ArchiveChannel archive,
    IOptions<LivePersonOptions> options,
    TimeProvider time,
    ILogger<AgentProfiles> logger) : BackgroundService
{
    public const string AcCdnDomain = "acCdnDomain";

    private readonly Channel<string> _wanted = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, bool> _seen = new(StringComparer.Ordinal);

    /// <summary>Asks for an agent's profile unless it was already asked for in this process. Never blocks.</summary>
    public void Want(string agentId)
    {
        if (_seen.TryAdd(agentId, true))
            _wanted.Writer.TryWrite(agentId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var agentId in _wanted.Reader.ReadAllAsync(stoppingToken))
            {
                for (var attempt = 1; attempt <= 3; attempt++)
                {
                    try
                    {
                        await FetchAsync(agentId, stoppingToken);
                        break;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
                    {
                        var reason = e.GetType().Name;
                        ProfileFailed(logger, agentId, attempt, reason);
                        await Task.Delay(TimeSpan.FromSeconds(attempt), time, stoppingToken);
                    }
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
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!Archiver.Domain.Hashing.JsonContent.IsValid(body))
            return;
        var key = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        await archive.WriteAsync(new ArchiveItem(
            [new NewEvent(ArchiveEventTypes.AgentStream(agentId), null, ArchiveEventTypes.AgentProfileObserved, body, null, key)],
            time.GetTimestamp()), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Agent profile {AgentId} not fetched (attempt {Attempt}): {Reason}")]
    private static partial void ProfileFailed(ILogger logger, string agentId, int attempt, string reason);
}
