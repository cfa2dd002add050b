using Npgsql;
using Xunit;

namespace Archiver.Testing;

/// <summary>
/// A fresh, real PostgreSQL database for one test class (use as an <see cref="IClassFixture{T}"/>), on the server named
/// by <c>ARCHIVER_TEST_PG</c> (scripts/test.sh starts a private one). Dropped when the class is done.
/// </summary>
public class PostgresDatabase : IAsyncLifetime
{
    public const string ServerVariable = "ARCHIVER_TEST_PG";

    public string Name { get; } = $"archiver_test_{Guid.NewGuid():N}";

    /// <summary>Connection string of this database, as the server's superuser.</summary>
    public string ConnectionString { get; private set; } = "";

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    /// <summary>The server this database is created on (the shared test server unless a subclass says otherwise).</summary>
    protected virtual string Server => ServerConnectionString;

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{ServerVariable} is not set. Run the tests with `bash scripts/test.sh`, which starts a private " +
                $"PostgreSQL, or set {ServerVariable} to a superuser connection string of an existing server.");

    public virtual async Task InitializeAsync()
    {
        await using (var server = await OpenServerAsync())
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {Name} ENCODING 'UTF8' TEMPLATE template0", server))
            await create.ExecuteNonQueryAsync();

        ConnectionString = new NpgsqlConnectionStringBuilder(Server) { Database = Name }.ConnectionString;
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public virtual async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var server = await OpenServerAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", server);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>For a database made inside a test (<c>await using var _ = database.AsDisposable();</c>): dropped when the test ends.</summary>
    public IAsyncDisposable AsDisposable() => new Dropper(this);

    private sealed class Dropper(PostgresDatabase database) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await database.DisposeAsync();
    }

    /// <summary>Runs SQL as the superuser in this database.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A login role in this cluster, member of <paramref name="memberOf"/>, with a connection string to this database.</summary>
    public async Task<string> CreateLoginAsync(string memberOf)
    {
        var role = $"login_{Guid.NewGuid():N}"[..30];
        var password = Guid.NewGuid().ToString("N");
        await ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE {memberOf}");
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Username = role, Password = password }.ConnectionString;
    }

    private async Task<NpgsqlConnection> OpenServerAsync()
    {
        var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        return connection;
    }
}
