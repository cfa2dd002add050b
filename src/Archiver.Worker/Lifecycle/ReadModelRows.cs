using Archiver.Domain.Lifecycle;
using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>
/// A conversation's rows in the read models: removed by a disposal, their personal content replaced by an erasure.
/// Agents' names are shared by every conversation and stay. Returns how many rows of each table went or changed, which
/// the certificate states.
/// </summary>
internal static class ReadModelRows
{
    // $1: the conversation, $2: its dialogs. Children first, the conversation last.
    private static readonly (string Table, string Where)[] Disposed =
    [
        ("readmodel.read_receipts", "dialog_id = ANY($2)"),
        ("readmodel.message_originals", "dialog_id = ANY($2)"),
        ("readmodel.transcript_messages", "conversation_id = $1 OR dialog_id = ANY($2)"),
        ("readmodel.survey_answer_originals", "dialog_id = ANY($2)"),
        ("readmodel.survey_answers", "conversation_id = $1 OR dialog_id = ANY($2)"),
        ("readmodel.source_deletions", "conversation_id = $1 OR dialog_id = ANY($2)"),
        ("readmodel.participants", "conversation_id = $1"),
        ("readmodel.csat_results", "conversation_id = $1"),
        ("readmodel.dialogs", "conversation_id = $1 OR dialog_id = ANY($2)"),
        ("readmodel.conversations", "conversation_id = $1"),
    ];

    private static readonly (string Table, string Sql)[] Erased =
    [
        ("readmodel.message_originals", "DELETE FROM readmodel.message_originals WHERE dialog_id = ANY($2)"),
        ("readmodel.transcript_messages",
            $"""
            UPDATE readmodel.transcript_messages
            SET text = CASE WHEN text IS NULL THEN NULL ELSE '{EventRedaction.Erased}' END,
                file_path = NULL,
                rich_content = CASE WHEN rich_content IS NULL THEN NULL ELSE to_jsonb('{EventRedaction.Erased}'::text) END,
                search = readmodel.search_vector(CASE WHEN text IS NULL THEN NULL ELSE '{EventRedaction.Erased}' END)
            WHERE (conversation_id = $1 OR dialog_id = ANY($2))
              AND (text IS DISTINCT FROM '{EventRedaction.Erased}' AND text IS NOT NULL
                   OR file_path IS NOT NULL
                   OR rich_content IS DISTINCT FROM to_jsonb('{EventRedaction.Erased}'::text) AND rich_content IS NOT NULL)
            """),
        ("readmodel.survey_answer_originals", "DELETE FROM readmodel.survey_answer_originals WHERE dialog_id = ANY($2)"),
        ("readmodel.survey_answers",
            $"""
            UPDATE readmodel.survey_answers SET answer_text = '{EventRedaction.Erased}'
            WHERE (conversation_id = $1 OR dialog_id = ANY($2)) AND answer_text IS NOT NULL AND answer_text <> '{EventRedaction.Erased}'
            """),
    ];

    public static Task<Dictionary<string, long>> DeleteAsync(NpgsqlConnection connection, string conversationId, IReadOnlyList<string> dialogs, CancellationToken cancellationToken) =>
        RunAsync(connection, Disposed.Select(d => (d.Table, $"DELETE FROM {d.Table} WHERE {d.Where}")), conversationId, dialogs, cancellationToken);

    public static Task<Dictionary<string, long>> EraseAsync(NpgsqlConnection connection, string conversationId, IReadOnlyList<string> dialogs, CancellationToken cancellationToken) =>
        RunAsync(connection, Erased, conversationId, dialogs, cancellationToken);

    private static async Task<Dictionary<string, long>> RunAsync(
        NpgsqlConnection connection, IEnumerable<(string Table, string Sql)> statements, string conversationId, IReadOnlyList<string> dialogs,
        CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (table, sql) in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = conversationId });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. dialogs] });
            counts[table] = await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return counts;
    }
}
