using System.Security.Cryptography;
using System.Text;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Worker.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Ingestion;

/// <summary>The <see cref="IIngestion"/> port: what every connection's ingestion shares.</summary>
internal sealed class IngestionPipeline(
    ArchiveChannel channel,
    ConversationTracker conversations,
    IEventStore store,
    IngestionMetrics metrics,
    IOptions<IngestionOptions> options,
    TimeProvider time,
    ILogger<IngestionPipeline> logger) : IIngestion
{
    public ConversationTracker Conversations => conversations;

    public IEventStore Store => store;

    public IngestionMetrics Metrics => metrics;

    public ILogger Logger => logger;

    public bool ArchiveChatStates => options.Value.ArchiveChatStates;

    public IConnectionIngestion Connect(string consumerName) => new ConnectionIngestion(this, consumerName);

    public bool IsArchivableAgentId(string agentId) => StreamKeys.Problem(agentId) is null;

    public async ValueTask ArchiveAgentProfileAsync(string agentId, string body, CancellationToken cancellationToken)
    {
        if (!IsArchivableAgentId(agentId) || !Archiver.Domain.Hashing.JsonContent.IsValid(body))
            return;
        var key = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        await WriteAsync(new ArchiveItem(
            [new NewEvent(ArchiveEventTypes.AgentStream(agentId), null, ArchiveEventTypes.AgentProfileObserved, body, null, key)],
            time.GetTimestamp()), cancellationToken);
    }

    public ValueTask WriteAsync(ArchiveItem item, CancellationToken cancellationToken) => channel.WriteAsync(item, cancellationToken);
}
