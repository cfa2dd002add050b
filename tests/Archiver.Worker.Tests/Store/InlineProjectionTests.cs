using Archiver.Domain.Events;
using Archiver.Worker.Store;
using Npgsql;

namespace Archiver.Worker.Tests.Store;

/// <summary>Read models commit or roll back with the events: never behind, ahead of, or inconsistent with the log.</summary>
public sealed class InlineProjectionTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>, IAsyncLifetime
{
    public Task InitializeAsync() => database.ExecuteAsync(
        "CREATE TABLE IF NOT EXISTS message_counts (dialog_id text PRIMARY KEY, messages int NOT NULL, last_global_position bigint NOT NULL)");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_projection_sees_exactly_the_appended_events_in_the_same_transaction()
    {
        var dialog = Guid.NewGuid().ToString();
        var store = database.CreateStore(new MessageCountProjection());

        await store.AppendAsync([Events.Content(dialog, 0), Events.Content(dialog, 1)]);
        await store.AppendAsync([Events.Content(dialog, 1), Events.Content(dialog, 2)]); // one duplicate, one new

        var (messages, last) = await CountsAsync(dialog);
        Assert.Equal(3, messages);
        Assert.Equal(await database.ScalarAsync<long>($"SELECT max(global_position) FROM archive.events WHERE stream_id = '{dialog}'"), last);
    }

    [Fact]
    public async Task When_a_projection_fails_nothing_of_the_batch_is_written_anywhere()
    {
        var dialog = Guid.NewGuid().ToString();
        var store = database.CreateStore(new MessageCountProjection(), new FailingProjection(failOnText: "boom"));
        await store.AppendAsync([Events.Content(dialog, 0)]);
        var logHeadBefore = await database.ScalarAsync<long>("SELECT last_position FROM archive.log_head");
        var headBefore = await database.ScalarAsync<byte[]>($"SELECT head_hash FROM archive.streams WHERE stream_id = '{dialog}'");

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.AppendAsync([Events.Content(dialog, 1), Events.Content(dialog, 2, "boom"), Events.Content(Guid.NewGuid().ToString(), 0)]));

        Assert.Equal(1, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.events WHERE stream_id = '{dialog}'"));
        Assert.Equal((1, (await store.AppendAsync([Events.Content(dialog, 0)])).Outcomes[0].GlobalPosition), await CountsAsync(dialog));
        Assert.Equal(logHeadBefore, await database.ScalarAsync<long>("SELECT last_position FROM archive.log_head"));
        Assert.Equal(headBefore, await database.ScalarAsync<byte[]>($"SELECT head_hash FROM archive.streams WHERE stream_id = '{dialog}'"));

        // The same batch without the failure goes through, and global positions carry on without a gap.
        var retried = await database.CreateStore(new MessageCountProjection())
            .AppendAsync([Events.Content(dialog, 1), Events.Content(dialog, 2, "boom")]);
        Assert.Equal([logHeadBefore + 1, logHeadBefore + 2], retried.Outcomes.Select(o => o.GlobalPosition));
        Assert.Equal(3, (await CountsAsync(dialog)).Messages);
        Assert.True((await database.CreateVerifier().VerifyAsync()).Intact);
    }

    private async Task<(int Messages, long Last)> CountsAsync(string dialog)
    {
        await using var command = database.DataSource.CreateCommand("SELECT messages, last_global_position FROM message_counts WHERE dialog_id = $1");
        command.Parameters.AddWithValue(dialog);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt32(0), reader.GetInt64(1)) : (0, 0);
    }

    private sealed class MessageCountProjection : IInlineProjection
    {
        public string Name => "message_counts";

        public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken cancellationToken)
        {
            foreach (var e in events)
            {
                await using var command = new NpgsqlCommand(
                    """
                    INSERT INTO message_counts VALUES ($1, 1, $2)
                    ON CONFLICT (dialog_id) DO UPDATE SET messages = message_counts.messages + 1, last_global_position = excluded.last_global_position
                    """, connection);
                command.Parameters.AddWithValue(e.StreamId);
                command.Parameters.AddWithValue(e.GlobalPosition);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    private sealed class FailingProjection(string failOnText) : IInlineProjection
    {
        public string Name => "failing";

        public Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken cancellationToken) =>
            events.Any(e => e.Body.Contains(failOnText, StringComparison.Ordinal))
                ? throw new InvalidOperationException("projection failed")
                : Task.CompletedTask;
    }
}
