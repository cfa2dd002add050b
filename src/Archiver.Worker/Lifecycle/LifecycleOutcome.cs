namespace Archiver.Worker.Lifecycle;

/// <summary>What became of one conversation in a disposal or erasure: done under a certificate, or refused and why.</summary>
public sealed record LifecycleOutcome(string ConversationId, long? Certificate, string? Refusal, int Events = 0)
{
    public bool Done => Certificate is not null;

    public static LifecycleOutcome Refused(string conversationId, string why) => new(conversationId, null, why);
}
