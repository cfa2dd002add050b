using System.Text.Json.Nodes;
using Archiver.Domain.Archive;
using Archiver.Domain.Masking;
using Archiver.Worker.Store;
using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>What applying a rule set did.</summary>
public sealed record MaskingApplied(string SetId, string? PreviousSetId, bool Changed, long MessagesChanged, long AnswersChanged);

/// <summary>
/// Puts a masking rule set in force and re-masks every row analysts read with it (docs/compliance.md): the rule set is
/// recorded (archive.masking_rule_sets, and MaskingRulesApplied in the admin stream) under the log head's lock, so every
/// append after it masks with the new rules and every row before it is seen by the re-masking that follows, page by
/// page from the originals. A row whose masked value equals its original keeps no original.
/// </summary>
public sealed class MaskingApplier(NpgsqlDataSource dataSource, AdminLog admin, TimeProvider time)
{
    private const int PageSize = 1_000;

    /// <summary>Applies <paramref name="rules"/> unless they are already in force.</summary>
    public async Task<MaskingApplied> ApplyAsync(MaskingRuleSet rules, CancellationToken cancellationToken)
    {
        string? previous;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using (var locking = new NpgsqlCommand("SELECT 1 FROM archive.log_head FOR UPDATE", connection))
                await locking.ExecuteNonQueryAsync(cancellationToken);
            await using (var current = new NpgsqlCommand("SELECT set_id FROM archive.masking_rule_sets ORDER BY rule_set_id DESC LIMIT 1", connection))
                previous = (string?)await current.ExecuteScalarAsync(cancellationToken);
            if (previous == rules.Id)
                return new MaskingApplied(rules.Id, previous, false, 0, 0);
            await using (var insert = new NpgsqlCommand(
                "INSERT INTO archive.masking_rule_sets (set_id, rules, applied_by, applied_at) VALUES ($1, $2, current_user, $3)", connection))
            {
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = rules.Id });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = rules.ToCanonicalJson() });
                insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        await admin.RecordAsync(ArchiveEventTypes.MaskingRulesApplied, $"{previous ?? "none"}->{rules.Id}",
            new JsonObject { ["setId"] = rules.Id, ["previousSetId"] = previous, ["rules"] = JsonNode.Parse(rules.ToCanonicalJson()) }, cancellationToken);
        var messages = await RemaskMessagesAsync(rules.Masker, cancellationToken);
        var answers = await RemaskAnswersAsync(rules.Masker, cancellationToken);
        return new MaskingApplied(rules.Id, previous, true, messages, answers);
    }

    /// <summary>
    /// Applies <paramref name="rules"/> when the archive has no rules in force yet (after <c>archiver migrate</c> on a new
    /// archive, or one from before masking): what analysts read is masked from the start.
    /// </summary>
    public async Task<MaskingApplied?> EnsureInForceAsync(MaskingRuleSet rules, CancellationToken cancellationToken) =>
        await InForceAsync(cancellationToken) is null ? await ApplyAsync(rules, cancellationToken) : null;

    /// <summary>The rule set in force (id and canonical JSON), or null when none was ever applied.</summary>
    public async Task<(string SetId, string Rules, string AppliedBy, DateTimeOffset AppliedAt)?> InForceAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT set_id, rules, applied_by, applied_at FROM archive.masking_rule_sets ORDER BY rule_set_id DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3))
            : null;
    }

    private async Task<long> RemaskMessagesAsync(Masker masker, CancellationToken cancellationToken)
    {
        long changed = 0;
        var (dialog, sequence) = ("", -1L);
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var rows = new List<(string Dialog, long Sequence, string? Text, string? Rich, bool HasOriginal, string? OriginalText, string? OriginalRich)>();
            await using (var page = new NpgsqlCommand(
                """
                SELECT m.dialog_id, m.sequence, m.text, m.rich_content::text, o.dialog_id IS NOT NULL, o.text, o.rich_content::text
                FROM readmodel.transcript_messages m LEFT JOIN readmodel.message_originals o USING (dialog_id, sequence)
                WHERE (m.dialog_id, m.sequence) > ($1, $2)
                ORDER BY m.dialog_id, m.sequence LIMIT $3
                FOR UPDATE OF m
                """, connection))
            {
                page.Parameters.Add(new NpgsqlParameter<string> { TypedValue = dialog });
                page.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
                page.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PageSize });
                await using var reader = await page.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add((reader.GetString(0), reader.GetInt64(1), Text(reader, 2), Text(reader, 3), reader.GetBoolean(4), Text(reader, 5), Text(reader, 6)));
                }
            }
            if (rows.Count == 0)
                return changed;
            (dialog, sequence) = (rows[^1].Dialog, rows[^1].Sequence);

            await using var batch = new NpgsqlBatch(connection);
            foreach (var row in rows)
            {
                var (text, rich) = row.HasOriginal ? (row.OriginalText, row.OriginalRich) : (row.Text, row.Rich);
                var maskedText = masker.Mask(text);
                var maskedRich = masker.MaskJson(rich);
                var masks = !ReferenceEquals(maskedText, text) || !ReferenceEquals(maskedRich, rich);
                if (maskedText != row.Text || !JsonEqual(maskedRich, row.Rich))
                {
                    changed++;
                    batch.BatchCommands.Add(Command(
                        """
                        UPDATE readmodel.transcript_messages SET text = $3, rich_content = $4::jsonb, search = readmodel.search_vector($3)
                        WHERE dialog_id = $1 AND sequence = $2
                        """, row.Dialog, row.Sequence, maskedText, maskedRich));
                }
                if (masks && !row.HasOriginal)
                {
                    batch.BatchCommands.Add(Command(
                        """
                        INSERT INTO readmodel.message_originals (dialog_id, sequence, text, rich_content, search)
                        VALUES ($1, $2, $3, $4::jsonb, readmodel.search_vector($3))
                        """, row.Dialog, row.Sequence, text, rich));
                }
                else if (!masks && row.HasOriginal)
                {
                    batch.BatchCommands.Add(Command("DELETE FROM readmodel.message_originals WHERE dialog_id = $1 AND sequence = $2", row.Dialog, row.Sequence));
                }
            }
            if (batch.BatchCommands.Count > 0)
                await batch.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private async Task<long> RemaskAnswersAsync(Masker masker, CancellationToken cancellationToken)
    {
        long changed = 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = new List<(string Dialog, long Sequence, string? Text, bool HasOriginal, string? Original)>();
        await using (var all = new NpgsqlCommand(
            """
            SELECT a.dialog_id, a.sequence, a.answer_text, o.dialog_id IS NOT NULL, o.answer_text
            FROM readmodel.survey_answers a LEFT JOIN readmodel.survey_answer_originals o USING (dialog_id, sequence)
            FOR UPDATE OF a
            """, connection))
        await using (var reader = await all.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                rows.Add((reader.GetString(0), reader.GetInt64(1), Text(reader, 2), reader.GetBoolean(3), Text(reader, 4)));
        }
        await using var batch = new NpgsqlBatch(connection);
        foreach (var row in rows)
        {
            var original = row.HasOriginal ? row.Original : row.Text;
            var masked = masker.Mask(original);
            if (masked != row.Text)
            {
                changed++;
                batch.BatchCommands.Add(Command("UPDATE readmodel.survey_answers SET answer_text = $3 WHERE dialog_id = $1 AND sequence = $2", row.Dialog, row.Sequence, masked));
            }
            if (!ReferenceEquals(masked, original) && !row.HasOriginal)
                batch.BatchCommands.Add(Command("INSERT INTO readmodel.survey_answer_originals VALUES ($1, $2, $3)", row.Dialog, row.Sequence, original));
            else if (ReferenceEquals(masked, original) && row.HasOriginal)
                batch.BatchCommands.Add(Command("DELETE FROM readmodel.survey_answer_originals WHERE dialog_id = $1 AND sequence = $2", row.Dialog, row.Sequence));
        }
        if (batch.BatchCommands.Count > 0)
            await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    /// <summary>Two jsonb texts, as PostgreSQL would compare them.</summary>
    private static bool JsonEqual(string? a, string? b) =>
        a is null || b is null ? a == b : JsonNode.DeepEquals(JsonNode.Parse(a, documentOptions: Archiver.Domain.Protocol.JsonLimits.Document), JsonNode.Parse(b, documentOptions: Archiver.Domain.Protocol.JsonLimits.Document));

    private static NpgsqlBatchCommand Command(string sql, string dialog, long sequence, string? text = null, string? rich = null)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = dialog });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
        if (sql.Contains("$3", StringComparison.Ordinal))
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)text ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        if (sql.Contains("$4", StringComparison.Ordinal))
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)rich ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return command;
    }
}
