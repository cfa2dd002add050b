using Archiver.Domain.Masking;
using Npgsql;

namespace Archiver.Worker.Projections;

/// <summary>
/// The masking rules in force (the last row of archive.masking_rule_sets), read inside the projection's own transaction
/// and kept while they stay the same. A projection runs after its append took the log head's lock, which
/// <c>archiver masking apply</c> also takes to change the rules, so every row is masked with the rules in force when it
/// commits, and the re-masking that follows a change sees every row written before it (docs/compliance.md).
/// </summary>
public sealed class MaskingInForce
{
    private volatile Tuple<string, Masker>? _cached;

    /// <summary>The masker in force, or null when no rules were ever applied to this archive (nothing is masked).</summary>
    public async Task<Masker?> CurrentAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT set_id, rules FROM archive.masking_rule_sets ORDER BY rule_set_id DESC LIMIT 1", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var setId = reader.GetString(0);
        if (_cached is { } cached && cached.Item1 == setId)
            return cached.Item2;
        var masker = MaskingRuleSet.FromJson(reader.GetString(1)).Masker;
        _cached = Tuple.Create(setId, masker);
        return masker;
    }
}
