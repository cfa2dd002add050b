using Archiver.Worker.Tests.Store;
using Npgsql;

namespace Archiver.Worker.Tests.Projections;

/// <summary>
/// Migration 0007 made transcript_messages.search a column the projection writes. A worker older than it (a rolling
/// upgrade) inserts without the column: the database fills it with the same vector, and the message stays searchable.
/// </summary>
public sealed class SearchVectorTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    [Fact]
    public async Task A_message_inserted_without_its_vector_gets_the_one_the_generated_column_gave()
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO readmodel.transcript_messages (dialog_id, sequence, conversation_id, event_type, text, global_position)
            VALUES ('old-worker', 0, 'old-worker', 'ContentEvent', 'Where is my Parcel, please?', 1),
                   ('old-worker', 1, 'old-worker', 'RichContentEvent', NULL, 2)
            """, connection))
            await insert.ExecuteNonQueryAsync();

        await using var check = new NpgsqlCommand(
            """
            SELECT sequence, search::text, search = to_tsvector('simple', coalesce(text, ''))
            FROM readmodel.transcript_messages WHERE dialog_id = 'old-worker' ORDER BY sequence
            """, connection);
        await using var reader = await check.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("'is':2 'my':3 'parcel':4 'please':5 'where':1", reader.GetString(1));
        Assert.True(reader.GetBoolean(2));
        Assert.True(await reader.ReadAsync());
        Assert.Equal("", reader.GetString(1));
        Assert.True(reader.GetBoolean(2));
    }

    [Fact]
    public async Task A_vector_the_writer_gives_is_kept()
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO readmodel.transcript_messages (dialog_id, sequence, conversation_id, event_type, text, global_position, search)
            VALUES ('new-worker', 0, 'new-worker', 'ContentEvent', 'hello there', 3, readmodel.search_vector('hello there'))
            RETURNING search::text
            """, connection);
        Assert.Equal("'hello':1 'there':2", (string)(await insert.ExecuteScalarAsync())!);
    }
}
