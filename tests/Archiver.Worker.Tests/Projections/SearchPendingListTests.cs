using Archiver.Worker.Projections;
using Archiver.Worker.Tests.Store;
using Npgsql;

namespace Archiver.Worker.Tests.Projections;

/// <summary>
/// Migration 0015: the worker's login empties the search indexes' pending lists (so an append's insert does not have to),
/// through the one function granted to it, and nothing of the messages is lost on the way.
/// </summary>
public sealed class SearchPendingListTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    [Fact]
    public async Task The_worker_login_empties_the_pending_lists_and_every_message_stays_searchable()
    {
        await using var writer = NpgsqlDataSource.Create(await database.CreateLoginAsync("archiver_writer"));
        // A batch's messages, as the projection inserts them: with fastupdate their index entries wait in the pending list.
        await using (var insert = writer.CreateCommand(
            """
            INSERT INTO readmodel.transcript_messages (dialog_id, sequence, conversation_id, event_type, text, global_position)
            SELECT 'pending', s, 'pending', 'ContentEvent', 'parcel ' || s || ' arrives tomorrow', s FROM generate_series(1, 2000) AS s
            """))
            await insert.ExecuteNonQueryAsync();

        var removed = await SearchIndexFlusher.FlushAsync(writer, CancellationToken.None);
        Assert.True(removed > 0, $"the first flush removed {removed} pending-list pages");
        Assert.Equal(0, await SearchIndexFlusher.FlushAsync(writer, CancellationToken.None));

        // Every message is found by its own number, through the index only.
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var noScan = new NpgsqlCommand("SET enable_seqscan = off", connection))
            await noScan.ExecuteNonQueryAsync();
        await using var found = new NpgsqlCommand(
            """
            SELECT count(*) FROM generate_series(1, 2000) AS s
            WHERE (SELECT count(*) FROM readmodel.transcript_messages m
                   WHERE m.search @@ to_tsquery('simple', 'parcel & ' || s) AND m.sequence = s) = 1
            """, connection);
        Assert.Equal(2000L, await found.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_worker_login_cannot_clean_an_index_itself_nor_own_one()
    {
        await using var writer = NpgsqlDataSource.Create(await database.CreateLoginAsync("archiver_writer"));
        await using var direct = writer.CreateCommand("SELECT gin_clean_pending_list('readmodel.transcript_messages_search')");
        var refused = await Assert.ThrowsAsync<PostgresException>(() => direct.ExecuteScalarAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);

        await using var drop = writer.CreateCommand("DROP INDEX readmodel.transcript_messages_search");
        refused = await Assert.ThrowsAsync<PostgresException>(() => drop.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }
}
