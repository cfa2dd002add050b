using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace Archiver.Worker.Sessions.Identity;

/// <summary>The tokens of one consumer identity. A secret: never logged, never in an exception message.</summary>
public sealed record IdentitySecrets(string? Jwt, string? ExternalToken)
{
    public override string ToString() => "IdentitySecrets { *** }";
}

/// <summary>Persists identities in <c>archive.consumer_identities</c> (readable by the writer role only).</summary>
public sealed class IdentityVault(NpgsqlDataSource dataSource)
{
    public async Task<IdentitySecrets?> LoadAsync(string consumerName, string mode, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT secrets::text FROM archive.consumer_identities WHERE consumer_name = $1 AND mode = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumerName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = mode });
        return await command.ExecuteScalarAsync(cancellationToken) is string json
            ? JsonSerializer.Deserialize(json, VaultJson.Default.IdentitySecrets)
            : null;
    }

    public async Task SaveAsync(string consumerName, string mode, string? consumerId, IdentitySecrets secrets, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO archive.consumer_identities (consumer_name, mode, consumer_id, secrets, updated_at)
            VALUES ($1, $2, $3, $4::jsonb, now())
            ON CONFLICT (consumer_name) DO UPDATE SET mode = excluded.mode, consumer_id = excluded.consumer_id,
              secrets = excluded.secrets, updated_at = now()
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumerName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = mode });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)consumerId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(secrets, VaultJson.Default.IdentitySecrets) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IdentitySecrets))]
internal sealed partial class VaultJson : JsonSerializerContext;
