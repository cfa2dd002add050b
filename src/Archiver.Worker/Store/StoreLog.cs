using Microsoft.Extensions.Logging;

namespace Archiver.Worker.Store;

internal static partial class StoreLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug,
        Message = "Appended a batch of {Count}: {Appended} new, {Duplicates} duplicate(s), {Conflicts} conflict(s)")]
    public static partial void BatchAppended(ILogger logger, int count, int appended, int duplicates, int conflicts);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "Conflict: {StreamId}@{Position} already holds different content (global position {ExistingGlobalPosition}); the new version was rejected and kept in archive.conflicts")]
    public static partial void ConflictRecorded(ILogger logger, string streamId, long position, long existingGlobalPosition);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "Recorded in archive.rejections ({Stage}, {Reason}): {StreamId}@{Position} of consumer {Consumer}: {Detail}. The change itself is archived as received.")]
    public static partial void RejectionRecorded(ILogger logger, string stage, string reason, string streamId, long position, string consumer, string detail);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Migration {Name} applied in {ElapsedMs} ms")]
    public static partial void MigrationApplied(ILogger logger, string name, long elapsedMs);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Schema is at version {Version}; {Applied} migration(s) applied now")]
    public static partial void MigrationsDone(ILogger logger, int version, int applied);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning,
        Message = "The database has migration {Version} which this build does not know; a newer Archiver has upgraded the schema")]
    public static partial void UnknownMigration(ILogger logger, int version);
}
