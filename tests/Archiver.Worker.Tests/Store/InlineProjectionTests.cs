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
    public async Task When_a_projection_fails_on_one_event_the_batch_is_archived_the_others_projected_and_the_failure_recorded()
    {
        var dialog = Guid.NewGuid().ToString();
        var other = Guid.NewGuid().ToString();
        var store = database.CreateStore(new MessageCountProjection(), new FailingProjection(failOnText: "boom"));

        var result = await store.AppendAsync([Events.Content(dialog, 0), Events.Content(dialog, 1, "boom"), Events.Content(other, 0)]);

        // The evidence is all there; the read model has every event but the one its projection could not take.
        Assert.Equal(3, result.Appended);
        Assert.Equal(2, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.events WHERE stream_id = '{dialog}'"));
        Assert.Equal(1, (await CountsAsync(dialog)).Messages);
        Assert.Equal(1, (await CountsAsync(other)).Messages);
        var failed = result.Outcomes[1].GlobalPosition;
        Assert.Equal($"projection/projection_failed/{dialog}/1", await database.ScalarAsync<string>(
            $"SELECT concat_ws('/', stage, reason, stream_id, position) FROM archive.rejections WHERE global_position = {failed}"));
        Assert.Contains("projection failed", await database.ScalarAsync<string>($"SELECT detail FROM archive.rejections WHERE global_position = {failed}"),
            StringComparison.Ordinal);
        Assert.Equal([failed], result.Rejections.Select(r => r.GlobalPosition!.Value));
        Assert.True((await database.CreateVerifier().VerifyAsync()).Intact);
    }

    [Fact]
    public async Task When_a_projection_fails_for_a_reason_that_is_not_content_nothing_of_the_batch_is_written_anywhere()
    {
        var dialog = Guid.NewGuid().ToString();
        await database.CreateStore(new MessageCountProjection()).AppendAsync([Events.Content(dialog, 0)]);
        var store = database.CreateStore(new MessageCountProjection(), new MissingTableProjection());
        var logHeadBefore = await database.ScalarAsync<long>("SELECT last_position FROM archive.log_head");
        var headBefore = await database.ScalarAsync<byte[]>($"SELECT head_hash FROM archive.streams WHERE stream_id = '{dialog}'");

        // A missing table is the deployment's fault, not the content's: the append fails whole and is retried later.
        var failure = await Assert.ThrowsAsync<PostgresException>(() =>
            store.AppendAsync([Events.Content(dialog, 1), Events.Content(dialog, 2), Events.Content(Guid.NewGuid().ToString(), 0)]));
        Assert.Equal(PostgresErrorCodes.UndefinedTable, failure.SqlState);

        Assert.Equal(1, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.events WHERE stream_id = '{dialog}'"));
        Assert.Equal(1, (await CountsAsync(dialog)).Messages);
        Assert.Equal(logHeadBefore, await database.ScalarAsync<long>("SELECT last_position FROM archive.log_head"));
        Assert.Equal(headBefore, await database.ScalarAsync<byte[]>($"SELECT head_hash FROM archive.streams WHERE stream_id = '{dialog}'"));

        // The same batch without the failure goes through, and global positions carry on without a gap.
        var retried = await database.CreateStore(new MessageCountProjection()).AppendAsync([Events.Content(dialog, 1), Events.Content(dialog, 2)]);
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

        public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, ProjectionIssues issues, CancellationToken cancellationToken)
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

        public Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, ProjectionIssues issues, CancellationToken cancellationToken) =>
            events.Any(e => e.Body.Contains(failOnText, StringComparison.Ordinal))
                ? throw new InvalidOperationException("projection failed")
                : Task.CompletedTask;
    }

    private sealed class MissingTableProjection : IInlineProjection
    {
        public string Name => "missing-table";

        public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, ProjectionIssues issues, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("INSERT INTO no_such_table VALUES (1)", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
