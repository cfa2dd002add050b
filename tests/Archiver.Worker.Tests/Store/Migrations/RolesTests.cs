using Archiver.Worker.Tests.Store;
using Npgsql;

namespace Archiver.Worker.Tests.Store.Migrations;

/// <summary>
/// The database roles, with real logins: <c>analyst</c> reads read models and views only; <c>compliance</c> also reads
/// the raw events; neither can write anything or read the consumers' tokens.
/// </summary>
public sealed class RolesTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private const string InsufficientPrivilege = "42501";

    public static TheoryData<string, string> ReadModels => new()
    {
        { "analyst", "SELECT count(*) FROM readmodel.conversations" },
        { "analyst", "SELECT count(*) FROM readmodel.transcript_messages" },
        { "analyst", "SELECT count(*) FROM readmodel.csat_by_agent_week" },
        { "analyst", "SELECT count(*) FROM readmodel.message_receipts" },
        { "compliance", "SELECT count(*) FROM readmodel.conversations" },
        { "compliance", "SELECT count(*) FROM archive.events" },
        { "compliance", "SELECT count(*) FROM archive.conflicts" },
    };

    public static TheoryData<string, string> Refused => new()
    {
        { "analyst", "SELECT count(*) FROM archive.events" },
        { "analyst", "SELECT count(*) FROM archive.streams" },
        { "analyst", "SELECT count(*) FROM archive.consumer_identities" },
        { "analyst", "INSERT INTO readmodel.csat_results (conversation_id) VALUES ('x')" },
        { "analyst", "UPDATE readmodel.conversations SET state = 'CLOSE'" },
        { "analyst", "DELETE FROM readmodel.transcript_messages" },
        { "analyst", "CREATE TABLE readmodel.mine (x int)" },
        { "compliance", "SELECT count(*) FROM archive.consumer_identities" },
        { "compliance", "INSERT INTO archive.conflicts (stream_id) VALUES ('x')" },
        { "compliance", "UPDATE readmodel.conversations SET state = 'CLOSE'" },
        { "compliance", "TRUNCATE readmodel.participants" },
    };

    [Theory]
    [MemberData(nameof(ReadModels))]
    public async Task A_role_reads_what_it_is_meant_to(string role, string sql)
    {
        await using var connection = new NpgsqlConnection(await database.CreateLoginAsync(role));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        Assert.IsType<long>(await command.ExecuteScalarAsync());
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_role_is_refused_everything_else(string role, string sql)
    {
        await using var connection = new NpgsqlConnection(await database.CreateLoginAsync(role));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal(InsufficientPrivilege, refused.SqlState);
    }
}
