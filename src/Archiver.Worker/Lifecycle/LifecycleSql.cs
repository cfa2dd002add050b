using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>The few statements every lifecycle operation runs.</summary>
internal static class LifecycleSql
{
    public static async Task<string> CurrentUserAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT current_user::text", connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>One statement with one array parameter; nothing when the array is empty.</summary>
    public static async Task<int> ExecuteAsync<T>(NpgsqlConnection connection, string sql, T[] values, CancellationToken cancellationToken)
    {
        if (values.Length == 0)
            return 0;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<T[]> { TypedValue = values });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
