using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Archiver.Worker.ReadSide;

/// <summary>
/// Reads whole conversations from the read models (never from the raw events): a page at a time for exports, one for
/// the transcript. Every query runs on the given connection, so an export inside one repeatable-read transaction sees
/// one consistent snapshot while the worker keeps appending.
/// </summary>
public sealed class ConversationReader(NpgsqlConnection connection, ReadSide.TextSource source)
{
    private const string HeaderColumns =
        """
        c.conversation_id, c.consumer_id, c.agent_id, coalesce(a.full_name, a.nickname), c.brand_id, c.skill_id, c.state, c.stage,
        c.start_ts, c.end_ts, c.close_reason, round(extract(epoch FROM c.duration), 3), c.consumer_messages, c.agent_messages,
        c.first_response_seconds
        """;

    /// <summary>How many conversations started in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public async Task<long> CountAsync(DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM readmodel.conversations WHERE start_ts >= $1 AND start_ts < $2", connection);
        command.Parameters.Add(Time(from));
        command.Parameters.Add(Time(to));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The conversations that started in [<paramref name="from"/>, <paramref name="to"/>), in (start_ts, conversation_id)
    /// order, <paramref name="pageSize"/> at a time (keyset paging on the start_ts index: each page costs the same).
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<ConversationDocument>> PagesAsync(
        DateTime from, DateTime to, int pageSize, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        (DateTime Start, string Id)? after = null;
        while (true)
        {
            await using var command = new NpgsqlCommand(after is null
                ? $"""
                   SELECT {HeaderColumns}
                   FROM readmodel.conversations c LEFT JOIN readmodel.agents a ON a.agent_id = c.agent_id
                   WHERE c.start_ts >= $1 AND c.start_ts < $2
                   ORDER BY c.start_ts, c.conversation_id
                   LIMIT $3
                   """
                : $"""
                   SELECT {HeaderColumns}
                   FROM readmodel.conversations c LEFT JOIN readmodel.agents a ON a.agent_id = c.agent_id
                   WHERE c.start_ts >= $4 AND c.start_ts < $2 AND (c.start_ts, c.conversation_id) > ($4, $5)
                   ORDER BY c.start_ts, c.conversation_id
                   LIMIT $3
                   """, connection);
            command.Parameters.Add(Time(from));
            command.Parameters.Add(Time(to));
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize });
            if (after is { } last)
            {
                command.Parameters.Add(Time(last.Start));
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = last.Id });
            }
            var headers = await ReadHeadersAsync(command, cancellationToken);
            if (headers.Count == 0)
                yield break;
            yield return await CompleteAsync(headers, cancellationToken);
            if (headers.Count < pageSize)
                yield break;
            after = (headers[^1].StartTs!.Value, headers[^1].ConversationId);
        }
    }

    /// <summary>
    /// The chosen conversations that the read models know, in (start_ts, conversation_id) order, <paramref name="pageSize"/>
    /// at a time: the console's export of a selection.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<ConversationDocument>> SelectedPagesAsync(
        IReadOnlyList<string> conversationIds, int pageSize, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var ordered = new List<string>();
        await using (var order = new NpgsqlCommand(
            "SELECT conversation_id FROM readmodel.conversations WHERE conversation_id = ANY($1) ORDER BY start_ts NULLS LAST, conversation_id", connection))
        {
            order.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. conversationIds.Distinct(StringComparer.Ordinal)] });
            await using var reader = await order.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                ordered.Add(reader.GetString(0));
        }
        foreach (var chunk in ordered.Chunk(pageSize))
        {
            await using var command = new NpgsqlCommand(
                $"""
                 SELECT {HeaderColumns}
                 FROM readmodel.conversations c LEFT JOIN readmodel.agents a ON a.agent_id = c.agent_id
                 WHERE c.conversation_id = ANY($1)
                 ORDER BY c.start_ts NULLS LAST, c.conversation_id
                 """, connection);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chunk });
            yield return await CompleteAsync(await ReadHeadersAsync(command, cancellationToken), cancellationToken);
        }
    }

    /// <summary>One conversation, or null when the read models know nothing of it (no conversation row, no message).</summary>
    public async Task<ConversationDocument?> FindAsync(string conversationId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
             SELECT {HeaderColumns}
             FROM readmodel.conversations c LEFT JOIN readmodel.agents a ON a.agent_id = c.agent_id
             WHERE c.conversation_id = $1
             """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = conversationId });
        var headers = await ReadHeadersAsync(command, cancellationToken);
        if (headers.Count == 0)
        {
            // Messages can be archived before the conversation's metadata is (another subscription, another worker).
            await using var exists = new NpgsqlCommand(
                $"SELECT EXISTS (SELECT 1 FROM {source.Messages} WHERE conversation_id = $1)", connection);
            exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = conversationId });
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
                return null;
            headers.Add(new ConversationDocument(conversationId, null, null, null, null, null, null, null, null, null, null, null, null, null, null, [], null, []));
        }
        return (await CompleteAsync(headers, cancellationToken))[0];
    }

    private static async Task<List<ConversationDocument>> ReadHeadersAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var headers = new List<ConversationDocument>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            headers.Add(new ConversationDocument(
                reader.GetString(0),
                Text(reader, 1),
                Text(reader, 2),
                Text(reader, 3),
                Text(reader, 4),
                Text(reader, 5),
                Text(reader, 6),
                Text(reader, 7),
                Time(reader, 8),
                Time(reader, 9),
                Text(reader, 10),
                reader.IsDBNull(11) ? null : reader.GetDecimal(11),
                reader.GetInt32(12),
                reader.GetInt32(13),
                reader.IsDBNull(14) ? null : reader.GetDecimal(14),
                [],
                null,
                []));
        }
        return headers;
    }

    /// <summary>Participants, CSAT, survey answers and messages (with receipts) of a page of conversations: one round trip.</summary>
    private async Task<List<ConversationDocument>> CompleteAsync(List<ConversationDocument> headers, CancellationToken cancellationToken)
    {
        var ids = headers.Select(h => h.ConversationId).ToArray();
        var participants = new Dictionary<string, List<ParticipantChange>>(StringComparer.Ordinal);
        var csat = new Dictionary<string, (int? Rate, bool? Resolution, string? Status, DateTime? At)>(StringComparer.Ordinal);
        var answers = new Dictionary<string, List<SurveyAnswer>>(StringComparer.Ordinal);
        var messages = new Dictionary<string, List<MessageDocument>>(StringComparer.Ordinal);

        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command(
                    """
                    SELECT conversation_id, participant_id, role, change, at
                    FROM readmodel.participants
                    WHERE conversation_id = ANY($1)
                    ORDER BY conversation_id, at NULLS FIRST, global_position
                    """, ids),
                Command(
                    """
                    SELECT conversation_id, rate, resolution_confirmation, status, submitted_at
                    FROM readmodel.csat_results
                    WHERE conversation_id = ANY($1)
                    """, ids),
                Command(
                    $"""
                    SELECT conversation_id, question_id, answer_id, answer_text, answered_at
                    FROM {source.Answers}
                    WHERE conversation_id = ANY($1)
                    ORDER BY conversation_id, answered_at NULLS LAST, dialog_id, sequence
                    """, ids),
                // Dialogs in order (MAIN first, then by the time they opened), messages by sequence within each. A MAIN
                // dialog's id is its conversation's id, which names it when its DialogOpened has not been archived.
                // The receipts are the first by anyone but the author: "delivered to / read by the other side".
                Command(
                    $"""
                    SELECT m.conversation_id, m.dialog_id, coalesce(d.dialog_type, CASE WHEN m.dialog_id = m.conversation_id THEN 'MAIN' END),
                           m.sequence, m.originator_id, m.author_role, m.originator_role,
                           CASE WHEN m.author_role <> 'consumer' THEN coalesce(a.full_name, a.nickname) END,
                           m.event_type, m.content_type, m.text, m.file_path, m.rich_content::text, m.server_ts, r.accepted_at, r.read_at
                    FROM {source.Messages} m
                    LEFT JOIN readmodel.dialogs d ON d.dialog_id = m.dialog_id
                    LEFT JOIN readmodel.agents a ON a.agent_id = m.originator_id
                    LEFT JOIN LATERAL (
                      SELECT min(x.accepted_at) AS accepted_at, min(x.read_at) AS read_at
                      FROM readmodel.read_receipts x
                      WHERE x.dialog_id = m.dialog_id AND x.sequence = m.sequence AND x.participant_id IS DISTINCT FROM m.originator_id
                    ) r ON true
                    WHERE m.conversation_id = ANY($1)
                    ORDER BY m.conversation_id,
                             (coalesce(d.dialog_type, '') = 'MAIN' OR m.dialog_id = m.conversation_id) DESC,
                             d.opened_at NULLS LAST, m.dialog_id, m.sequence
                    """, ids),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            Add(participants, reader.GetString(0), new ParticipantChange(reader.GetString(1), reader.GetString(2), reader.GetString(3), Time(reader, 4)));

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            csat[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetBoolean(2),
                Text(reader, 3), Time(reader, 4));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            Add(answers, reader.GetString(0), new SurveyAnswer(Text(reader, 1), Text(reader, 2), Text(reader, 3), Time(reader, 4)));

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Add(messages, reader.GetString(0), new MessageDocument(
                reader.GetString(1),
                Text(reader, 2),
                reader.GetInt64(3),
                Text(reader, 4),
                reader.GetString(5),
                Text(reader, 6),
                Text(reader, 7),
                reader.GetString(8),
                Text(reader, 9),
                Text(reader, 10),
                Text(reader, 11),
                reader.IsDBNull(12) ? null : Parse(reader.GetString(12)),
                Time(reader, 13),
                Time(reader, 14),
                Time(reader, 15)));
        }

        return headers.Select(h =>
        {
            var id = h.ConversationId;
            var surveyAnswers = answers.GetValueOrDefault(id) ?? [];
            CsatDocument? document = csat.TryGetValue(id, out var c)
                ? new CsatDocument(c.Rate, c.Resolution, c.Status, c.At, surveyAnswers)
                : surveyAnswers.Count > 0 ? new CsatDocument(null, null, null, null, surveyAnswers) : null;
            return h with
            {
                Participants = participants.GetValueOrDefault(id) ?? [],
                Csat = document,
                Messages = messages.GetValueOrDefault(id) ?? [],
            };
        }).ToList();
    }

    private static void Add<T>(Dictionary<string, List<T>> lists, string key, T value)
    {
        if (!lists.TryGetValue(key, out var list))
            lists[key] = list = [];
        list.Add(value);
    }

    private static NpgsqlBatchCommand Command(string sql, string[] ids)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        return command;
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTime? Time(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTime>(ordinal);

    private static NpgsqlParameter<DateTime> Time(DateTime value) =>
        new() { TypedValue = DateTime.SpecifyKind(value, DateTimeKind.Utc), NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
