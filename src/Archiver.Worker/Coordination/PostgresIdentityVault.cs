using System.Text.Json;
using System.Text.Json.Serialization;
using Archiver.Worker.Sessions.Identity;
using Npgsql;

namespace Archiver.Worker.Coordination;

/// <summary>
/// Persists identities in <c>archive.consumer_identities</c> (readable by the writer role only), so a consumer keeps its
/// identity across restarts and when another worker takes its lease.
/// </summary>
public sealed class PostgresIdentityVault(NpgsqlDataSource dataSource) : IIdentityVault
{
    public Task<IdentitySecrets?> LoadAsync(string consumerName, string mode, CancellationToken cancellationToken) =>
        CoordinationUnavailableException.Guard(async () =>
    {
        await using var command = dataSource.CreateCommand(
            "SELECT secrets::text FROM archive.consumer_identities WHERE consumer_name = $1 AND mode = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumerName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = mode });
        return await command.ExecuteScalarAsync(cancellationToken) is string json
            ? JsonSerializer.Deserialize(json, VaultJson.Default.IdentitySecrets)
            : null;
    });

    public Task SaveAsync(string consumerName, string mode, string? consumerId, IdentitySecrets secrets, CancellationToken cancellationToken) =>
        CoordinationUnavailableException.Guard(async () =>
    {
        await using var batch = dataSource.CreateBatch();
        var save = new NpgsqlBatchCommand(
            """
            INSERT INTO archive.consumer_identities (consumer_name, mode, consumer_id, secrets, updated_at)
            VALUES ($1, $2, $3, $4::jsonb, now())
            ON CONFLICT (consumer_name) DO UPDATE SET mode = excluded.mode, consumer_id = excluded.consumer_id,
              secrets = excluded.secrets, updated_at = now()
            """);
        save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumerName });
        save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = mode });
        save.Parameters.Add(new NpgsqlParameter { Value = (object?)consumerId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(secrets, VaultJson.Default.IdentitySecrets) });
        batch.BatchCommands.Add(save);
        if (consumerId is not null)
        {
            // Every consumer id ever held, with its mode: retention rules select conversations by it (docs/compliance.md).
            var seen = new NpgsqlBatchCommand(
                "INSERT INTO archive.consumer_ids (consumer_id, consumer_name, mode, first_seen) VALUES ($1, $2, $3, now()) ON CONFLICT (consumer_id) DO NOTHING");
            seen.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumerId });
            seen.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumerName });
            seen.Parameters.Add(new NpgsqlParameter<string> { TypedValue = mode });
            batch.BatchCommands.Add(seen);
        }
        return await batch.ExecuteNonQueryAsync(cancellationToken);
    });
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IdentitySecrets))]
internal sealed partial class VaultJson : JsonSerializerContext;
