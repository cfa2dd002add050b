using Archiver.Worker.Store;

namespace Archiver.Worker.Tests.Store;

public sealed class PostgresEventStoreConformanceTests(MigratedDatabase database)
    : EventStoreConformanceTests, IClassFixture<MigratedDatabase>
{
    protected override IEventStore Store { get; } = database.CreateStore();

    protected override async Task<IReadOnlyList<(long Position, string Body)>> RecordedConflictsAsync(string streamId)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT position, body::text FROM archive.conflicts WHERE stream_id = $1 ORDER BY conflict_id");
        command.Parameters.AddWithValue(streamId);
        await using var reader = await command.ExecuteReaderAsync();
        var conflicts = new List<(long, string)>();
        while (await reader.ReadAsync())
            conflicts.Add((reader.GetInt64(0), reader.GetString(1)));
        return conflicts;
    }
}
