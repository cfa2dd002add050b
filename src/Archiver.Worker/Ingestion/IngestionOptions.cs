namespace Archiver.Worker.Ingestion;

/// <summary>Section <c>Ingestion</c>: the channel between socket readers and the batch writer.</summary>
public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>Items (one notification's events each) the channel holds before readers wait: back pressure.</summary>
    public int ChannelCapacity { get; set; } = 2_000;

    /// <summary>A batch closes at this many events…</summary>
    public int MaxBatchEvents { get; set; } = 2_000;

    /// <summary>…or when no item arrived for this long after the first (milliseconds).</summary>
    public int MaxBatchDelayMs { get; set; } = 2;

    /// <summary>Keep ChatStateEvents (typing indicators) in a non-sequenced stream per dialog
    /// (docs/protocol.md §14.8).</summary>
    public bool ArchiveChatStates { get; set; }

    /// <summary>
    /// Open conversations whose latest state is kept in memory once committed (least recently used beyond this are
    /// read back from the archive when they change again). Closed ones are forgotten once committed.
    /// </summary>
    public int MaxTrackedConversations { get; set; } = 20_000;
}
