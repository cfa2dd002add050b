namespace Archiver.Worker.Store;

public enum AppendStatus
{
    /// <summary>Stored now.</summary>
    Appended,

    /// <summary>The key was already stored with the same content: nothing written.</summary>
    Duplicate,

    /// <summary>The key was already stored with different content: rejected and recorded in archive.conflicts.</summary>
    Conflict,
}

/// <summary>What became of one event of a batch, in the batch's order.</summary>
/// <param name="GlobalPosition">The event's global position; for a duplicate or conflict, that of the stored event holding the key.</param>
/// <param name="Position">The position in the stream (assigned by the store where the event had none).</param>
public readonly record struct AppendOutcome(AppendStatus Status, string StreamId, long Position, long GlobalPosition);

public sealed record AppendResult(IReadOnlyList<AppendOutcome> Outcomes)
{
    public static AppendResult Empty { get; } = new([]);

    /// <summary>The rejections this append recorded for the first time (archive.rejections).</summary>
    public IReadOnlyList<RejectionRecord> Rejections { get; init; } = [];

    public int Appended => Outcomes.Count(o => o.Status == AppendStatus.Appended);

    public int Duplicates => Outcomes.Count(o => o.Status == AppendStatus.Duplicate);

    public int Conflicts => Outcomes.Count(o => o.Status == AppendStatus.Conflict);
}
