using Npgsql;

namespace Archiver.Worker.Tests.Store;

/// <summary>The database itself refuses to change or remove an archived event.</summary>
public sealed class AppendOnlyTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>, IAsyncLifetime
{
    private string _dialog = "";

    public async Task InitializeAsync()
    {
        _dialog = Guid.NewGuid().ToString();
        // Two events and one rejected conflicting copy, so every protected table has rows for its row trigger.
        await database.CreateStore().AppendAsync([Events.Content(_dialog, 0), Events.Content(_dialog, 1), Events.Content(_dialog, 1, "forged")]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("UPDATE archive.events SET body = '{\"forged\":true}' WHERE stream_id = '{0}'")]
    [InlineData("DELETE FROM archive.events WHERE stream_id = '{0}'")]
    [InlineData("TRUNCATE archive.events CASCADE")]
    [InlineData("UPDATE archive.conflicts SET body = '{}' WHERE stream_id = '{0}'")]
    [InlineData("DELETE FROM archive.conflicts WHERE stream_id = '{0}'")]
    public async Task Even_a_superuser_is_stopped_by_the_trigger(string statement)
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync(statement.Replace("{0}", _dialog, StringComparison.Ordinal)));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        Assert.Equal(2, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.events WHERE stream_id = '{_dialog}'"));
        Assert.Equal(1, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.conflicts WHERE stream_id = '{_dialog}' AND body::text LIKE '%forged%'"));
    }

    [Theory]
    [InlineData("UPDATE archive.events SET type = 'x' WHERE stream_id = '{0}'")]
    [InlineData("DELETE FROM archive.events WHERE stream_id = '{0}'")]
    public async Task The_writer_role_has_no_privilege_to_change_events(string statement)
    {
        var writer = await database.CreateLoginAsync("archiver_writer");
        await using var connection = new NpgsqlConnection(writer);
        await connection.OpenAsync();

        await using var command = new NpgsqlCommand(statement.Replace("{0}", _dialog, StringComparison.Ordinal), connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Contains("permission denied", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_writer_role_can_append_through_the_store()
    {
        await using var dataSource = NpgsqlDataSource.Create(await database.CreateLoginAsync("archiver_writer"));

        var result = await MigratedDatabase.CreateStore(dataSource).AppendAsync([Events.Content(_dialog, 2), Events.Content(_dialog, 0)]);

        Assert.Equal(1, result.Appended);
        Assert.Equal(1, result.Duplicates);
    }
}
