using Archiver.Domain.Protocol;

namespace Archiver.Worker.Ingestion;

/// <summary>
/// The port between Sessions and Ingestion (docs/architecture.md: data flows one way). Sessions read sockets and hand
/// every frame over; from there on everything is Ingestion's: mapping changes to events, the conversations' latest
/// states, which dialogs to subscribe from which sequence, isolating what cannot be mapped, and batching.
/// </summary>
public interface IIngestion
{
    /// <summary>A new connection of a consumer: it gets its own subscription plan (every dialog once per connection).</summary>
    IConnectionIngestion Connect(string consumerName);

    /// <summary>An agent's public profile, fetched over HTTP: archived as received (deduplicated by content).</summary>
    ValueTask ArchiveAgentProfileAsync(string agentId, string body, CancellationToken cancellationToken);

    /// <summary>Whether an agent id seen in a conversation can name a profile stream at all.</summary>
    bool IsArchivableAgentId(string agentId);
}

/// <summary>One connection's side of the port.</summary>
public interface IConnectionIngestion
{
    /// <summary>
    /// Hands over one frame read off the socket. Waits while the pipeline is full (so the socket stops being read: back
    /// pressure). Nothing in the frame's content makes it throw; it throws only when cancelled or when the archive
    /// cannot be read to plan (which the session treats like a dropped connection).
    /// </summary>
    ValueTask AcceptAsync(IncomingFrame frame, CancellationToken cancellationToken);

    /// <summary>
    /// Batches of dialogs to subscribe, each from one past what is committed, as conversations naming them arrive; the
    /// session sends the subscriptions. Ends when the connection's token is cancelled.
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<DialogSubscription>> SubscriptionsAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A frame as read off the socket: parsed (<see cref="Frame"/>), or refused whole (<see cref="Rejection"/>) with its bytes
/// (at most the first MiB), full size and SHA-256 so they are kept as evidence.
/// </summary>
public sealed record IncomingFrame(ServerFrame? Frame, FrameRejection? Rejection, byte[]? RejectedBytes, long Size, byte[]? Sha256, long ReceivedAt)
{
    public static IncomingFrame Parsed(ServerFrame frame, long size, long receivedAt) => new(frame, null, null, size, null, receivedAt);

    public static IncomingFrame Refused(FrameRejection rejection, byte[] bytes, long size, byte[] sha256, long receivedAt) =>
        new(null, rejection, bytes, size, sha256, receivedAt);
}

/// <summary>A dialog to subscribe with <c>ms.SubscribeMessagingEvents</c>, from <see cref="FromSeq"/> (inclusive).</summary>
public sealed record DialogSubscription(string DialogId, string ConversationId, long FromSeq);
