using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Projections;
using Archiver.Worker.Store;
using Npgsql;
using NpgsqlTypes;

namespace Archiver.Worker.Projections;

/// <summary>
/// Keeps conversations, read receipts, CSAT, survey answers and participants (migrations/0004_read_models.sql). Runs
/// after <see cref="TranscriptProjection"/>, whose rows it counts: a conversation's figures are counted once when it is
/// first seen and then moved by each batch's messages, so any batching — live or in a rebuild — gives the same rows.
/// </summary>
public sealed class ReadModelsProjection(MaskingInForce masking) : IInlineProjection
{
    public ReadModelsProjection()
        : this(new MaskingInForce())
    {
    }

    public string Name => "read-models";

    public IReadOnlyList<string> Tables { get; } =
    [
        "readmodel.conversations", "readmodel.read_receipts", "readmodel.csat_results", "readmodel.survey_answers", "readmodel.survey_answer_originals",
        "readmodel.participants",
    ];

    public IReadOnlyList<string> UnkeyedWhileRebuilding { get; } = ["readmodel.read_receipts"];

    /// <summary>
    /// A rebuild's receipts are merged in memory, at most this many at a time: beyond it they are spilled to a temporary
    /// table and merged there at the end, so a rebuild's memory does not grow with the archive.
    /// </summary>
    internal int MaxReceiptsInMemory { get; set; } = 250_000;

    /// <summary>A rebuild's receipts, merged in memory and written at the end (one rebuild at a time per process).</summary>
    private Dictionary<(string, long, string), ReceiptRow>? _rebuildReceipts;

    /// <summary>Chunks of receipts spilled to the temporary table so far in this rebuild.</summary>
    private int _spilled;

    public Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, ProjectionIssues issues, CancellationToken cancellationToken) =>
        WriteAsync(connection, Fold(events, issues), rebuilding: false, cancellationToken);

    public void BeginRebuild()
    {
        _rebuildReceipts = [];
        _spilled = 0;
    }

    public object? PrepareRebuilding(IReadOnlyList<RecordedEvent> events, ProjectionIssues issues) => Fold(events, issues);

    /// <summary>
    /// In a rebuild the receipts are merged in memory and the figures counted once at the end (<see cref="FinishRebuildAsync"/>):
    /// the same rows as live, where they are merged and moved batch by batch.
    /// </summary>
    public Task ApplyRebuildingAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, object? prepared, ProjectionIssues issues,
        CancellationToken cancellationToken) =>
        WriteAsync(connection, (PageRows)prepared!, rebuilding: true, cancellationToken);

    public async Task FinishRebuildAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var receipts = _rebuildReceipts?.Values.ToList() ?? [];
        _rebuildReceipts = null;
        if (_spilled == 0)
        {
            await CopyReceiptsAsync(connection, "readmodel.read_receipts (dialog_id, sequence, participant_id, participant_role, accepted_at, read_at)", receipts, chunk: null, cancellationToken);
        }
        else
        {
            await SpillAsync(connection, receipts, cancellationToken);
            // The same merge as in memory: the first role given, the earliest of each time.
            await using var merge = new NpgsqlCommand(
                """
                INSERT INTO readmodel.read_receipts (dialog_id, sequence, participant_id, participant_role, accepted_at, read_at)
                SELECT dialog_id, sequence, participant_id,
                       (array_agg(participant_role ORDER BY chunk) FILTER (WHERE participant_role IS NOT NULL))[1], min(accepted_at), min(read_at)
                FROM rebuild_receipts GROUP BY dialog_id, sequence, participant_id;
                DROP TABLE rebuild_receipts
                """, connection);
            await merge.ExecuteNonQueryAsync(cancellationToken);
            _spilled = 0;
        }
        // The live path's rule for repeated facts, once over the whole table: a row that does not change who is present goes.
        await using (var repeats = new NpgsqlCommand(
            """
            DELETE FROM readmodel.participants p USING (
              SELECT global_position, change,
                     lag(change) OVER (PARTITION BY conversation_id, participant_id, role ORDER BY global_position) AS previous
              FROM readmodel.participants) x
            WHERE p.global_position = x.global_position AND x.change = coalesce(x.previous, 'LEFT')
            """, connection))
            await repeats.ExecuteNonQueryAsync(cancellationToken);
        await using var figures = new NpgsqlCommand(
            """
            WITH firsts AS (
              SELECT dialog_id,
                     count(*) FILTER (WHERE author_role = 'consumer') AS consumer,
                     count(*) FILTER (WHERE author_role = 'agent') AS agent,
                     min(server_ts) FILTER (WHERE author_role = 'consumer') AS first_consumer
              FROM readmodel.transcript_messages GROUP BY dialog_id),
            replies AS (
              SELECT DISTINCT ON (m.dialog_id) m.dialog_id, m.server_ts AS first_reply, m.originator_id AS responder
              FROM readmodel.transcript_messages m JOIN firsts f USING (dialog_id)
              WHERE m.author_role = 'agent' AND m.server_ts >= f.first_consumer
              ORDER BY m.dialog_id, m.server_ts, m.sequence)
            UPDATE readmodel.conversations c SET
              consumer_messages = coalesce(f.consumer, 0), agent_messages = coalesce(f.agent, 0),
              first_consumer_at = f.first_consumer, first_reply_at = r.first_reply, first_responder_id = r.responder,
              csat_rate = s.rate, csat_resolution = s.resolution_confirmation, csat_status = s.status
            FROM readmodel.conversations c0
            LEFT JOIN firsts f ON f.dialog_id = c0.conversation_id
            LEFT JOIN replies r ON r.dialog_id = c0.conversation_id
            LEFT JOIN readmodel.csat_results s ON s.conversation_id = c0.conversation_id
            WHERE c.conversation_id = c0.conversation_id
            """, connection);
        await figures.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task SpillAsync(NpgsqlConnection connection, List<ReceiptRow> receipts, CancellationToken cancellationToken)
    {
        if (_spilled == 0)
        {
            await using var create = new NpgsqlCommand(
                """
                CREATE TEMPORARY TABLE rebuild_receipts (chunk int, dialog_id text, sequence bigint, participant_id text, participant_role text,
                                                         accepted_at timestamptz, read_at timestamptz) ON COMMIT DROP
                """, connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        await CopyReceiptsAsync(connection, "rebuild_receipts (chunk, dialog_id, sequence, participant_id, participant_role, accepted_at, read_at)",
            receipts, _spilled++, cancellationToken);
    }

    private static async Task CopyReceiptsAsync(NpgsqlConnection connection, string target, List<ReceiptRow> receipts, int? chunk, CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync($"COPY {target} FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var r in receipts)
        {
            await writer.StartRowAsync(cancellationToken);
            if (chunk is { } c)
                await writer.WriteAsync(c, NpgsqlDbType.Integer, cancellationToken);
            await writer.WriteAsync(r.DialogId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(r.Sequence, NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(r.ParticipantId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(r.ParticipantRole, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(r.AcceptedAt, NpgsqlDbType.TimestampTz, cancellationToken);
            await writer.WriteAsync(r.ReadAt, NpgsqlDbType.TimestampTz, cancellationToken);
        }
        await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>The rows a batch of events gives, each kind merged within the batch. Pure: no connection, no state.</summary>
    private sealed record PageRows(
        List<ReceiptRow> Receipts, List<CsatRow> Csat, List<SurveyAnswerRow> Answers, List<ParticipantRow> Participants,
        List<ConversationRow> Observed, List<RecordedEvent> Messages);

    private static PageRows Fold(IReadOnlyList<RecordedEvent> events, ProjectionIssues issues) => new(
        events.SelectMany(e => issues.Fold(e, ReadModelFold.Receipts))
            .GroupBy(r => (r.DialogId, r.Sequence, r.ParticipantId))
            .Select(g => g.Aggregate((a, b) => a with
            {
                ParticipantRole = a.ParticipantRole ?? b.ParticipantRole,
                AcceptedAt = Earliest(a.AcceptedAt, b.AcceptedAt),
                ReadAt = Earliest(a.ReadAt, b.ReadAt),
            })).ToList(),
        events.Select(e => issues.Fold(e, ReadModelFold.Csat)).OfType<CsatRow>().GroupBy(c => c.ConversationId)
            .Select(g => g.Aggregate((a, b) => (b.SubmittedAt ?? DateTimeOffset.MinValue) >= (a.SubmittedAt ?? DateTimeOffset.MinValue) ? b : a)).ToList(),
        events.Select(e => issues.Fold(e, ReadModelFold.SurveyAnswer)).OfType<SurveyAnswerRow>().ToList(),
        events.Select(e => issues.Fold(e, ReadModelFold.Participant)).OfType<ParticipantRow>().ToList(),
        events.Select(e => issues.Fold(e, ReadModelFold.Conversation)).OfType<ConversationRow>().ToList(),
        events.Where(e => e.Type is "ContentEvent" or "RichContentEvent" && StreamKeys.KindOf(e.StreamId) == StreamKind.Dialog).ToList());

    private async Task WriteAsync(NpgsqlConnection connection, PageRows page, bool rebuilding, CancellationToken cancellationToken)
    {
        await using var rows = new NpgsqlBatch(connection);
        var (receipts, csat, answers, participants, observed, messages) = page;
        if (rebuilding)
        {
            _rebuildReceipts ??= [];
            foreach (var r in receipts)
            {
                var key = (r.DialogId, r.Sequence, r.ParticipantId);
                _rebuildReceipts[key] = _rebuildReceipts.TryGetValue(key, out var seen)
                    ? seen with { ParticipantRole = seen.ParticipantRole ?? r.ParticipantRole, AcceptedAt = Earliest(seen.AcceptedAt, r.AcceptedAt), ReadAt = Earliest(seen.ReadAt, r.ReadAt) }
                    : r;
            }
            if (_rebuildReceipts.Count >= MaxReceiptsInMemory)
            {
                await SpillAsync(connection, _rebuildReceipts.Values.ToList(), cancellationToken);
                _rebuildReceipts.Clear();
            }
        }
        else if (receipts.Count > 0)
        {
            rows.BatchCommands.Add(Receipts(receipts));
        }
        if (csat.Count > 0)
            rows.BatchCommands.Add(Csat(csat));
        if (answers.Count > 0)
        {
            // Survey answers are what consumers typed: masked like messages, the originals aside (docs/compliance.md).
            var masker = await masking.CurrentAsync(connection, cancellationToken);
            var masked = answers.Select(a => (Original: a, Shown: masker?.Mask(a.AnswerText) ?? a.AnswerText)).ToList();
            rows.BatchCommands.Add(SurveyAnswers(masked.Select(m => m.Original with { AnswerText = m.Shown }).ToList()));
            var originals = masked.Where(m => !ReferenceEquals(m.Shown, m.Original.AnswerText)).Select(m => m.Original).ToList();
            if (originals.Count > 0)
                rows.BatchCommands.Add(AnswerOriginals(originals));
        }
        if (participants.Count > 0)
            rows.BatchCommands.Add(rebuilding ? Command(InsertParticipants, ParticipantParameters(participants)) : Participants(participants));
        if (rows.BatchCommands.Count > 0)
            await rows.ExecuteNonQueryAsync(cancellationToken);

        // Conversations first seen now get their figures counted once from the transcript; the others are updated by
        // what this batch adds. Both give what a full recount would, in any batch size — live or in a rebuild.
        var created = new List<string>();
        await using var figures = new NpgsqlBatch(connection);
        if (observed.Count > 0)
        {
            // Per conversation, the latest observation (by the server's metaDataLastUpdateTs; ties: the later event).
            var latest = observed.GroupBy(c => c.ConversationId).Select(g => g.Aggregate((a, b) => Newer(b, a) ? b : a)).ToList();
            await using (var upsert = Conversations(latest, connection))
            await using (var reader = await upsert.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (reader.GetBoolean(1))
                        created.Add(reader.GetString(0));
                }
            }
            var agents = observed.Where(c => c.AgentId is not null).GroupBy(c => c.ConversationId)
                .Select(g => g.Aggregate((a, b) => Newer(b, a) ? b : a)).ToList();
            if (agents.Count > 0)
            {
                figures.BatchCommands.Add(Agents(agents));
                var firstAgents = observed.Where(c => c.AgentId is not null).GroupBy(c => c.ConversationId)
                    .Select(g => g.Aggregate((a, b) => Newer(a, b) ? b : a)).ToList();
                figures.BatchCommands.Add(FirstAgents(firstAgents));
            }
            if (created.Count > 0 && !rebuilding)
                figures.BatchCommands.Add(Recount(created));
        }
        if (messages.Count > 0 && !rebuilding)
            figures.BatchCommands.Add(Count(messages, created));
        if ((messages.Count > 0 || created.Count > 0) && !rebuilding)
            figures.BatchCommands.Add(Responders(messages.Select(m => m.StreamId).Concat(created).Distinct().ToList()));
        var csatOf = csat.Select(c => c.ConversationId).Concat(created).Distinct().ToList();
        if (csatOf.Count > 0 && !rebuilding)
            figures.BatchCommands.Add(CsatColumns(csatOf));
        if (figures.BatchCommands.Count > 0)
            await figures.ExecuteNonQueryAsync(cancellationToken);
    }

    private static bool Newer(ConversationRow candidate, ConversationRow current) =>
        candidate.LastUpdate is null || current.LastUpdate is null || candidate.LastUpdate >= current.LastUpdate;

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static NpgsqlBatchCommand Receipts(List<ReceiptRow> rows) => Command(
        """
        INSERT INTO readmodel.read_receipts AS r (dialog_id, sequence, participant_id, participant_role, accepted_at, read_at)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[])
        ON CONFLICT (dialog_id, sequence, participant_id) DO UPDATE SET
          participant_role = coalesce(r.participant_role, excluded.participant_role),
          accepted_at = least(r.accepted_at, excluded.accepted_at),  -- least() ignores nulls: the first receipt wins
          read_at = least(r.read_at, excluded.read_at)
        """,
        Texts(rows.Select(r => r.DialogId)), Longs(rows.Select(r => r.Sequence)), Texts(rows.Select(r => r.ParticipantId)),
        Texts(rows.Select(r => r.ParticipantRole)), Times(rows.Select(r => r.AcceptedAt)), Times(rows.Select(r => r.ReadAt)));

    private static NpgsqlCommand Conversations(List<ConversationRow> rows, NpgsqlConnection connection) => Standalone(connection,
        """
        INSERT INTO readmodel.conversations AS c
          (conversation_id, consumer_id, brand_id, skill_id, state, stage, close_reason, start_ts, end_ts, last_update_ts)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                             $8::timestamptz[], $9::timestamptz[], $10::timestamptz[])
        ON CONFLICT (conversation_id) DO UPDATE SET
          consumer_id = excluded.consumer_id, brand_id = excluded.brand_id, skill_id = excluded.skill_id,
          state = excluded.state, stage = excluded.stage, close_reason = excluded.close_reason,
          start_ts = excluded.start_ts, end_ts = excluded.end_ts, last_update_ts = excluded.last_update_ts
        -- An older state arriving late never rolls the conversation back.
        WHERE c.last_update_ts IS NULL OR excluded.last_update_ts IS NULL OR excluded.last_update_ts >= c.last_update_ts
        RETURNING conversation_id, (xmax = 0) AS created  -- xmax = 0: inserted now, not updated
        """,
        Texts(rows.Select(r => r.ConversationId)), Texts(rows.Select(r => r.ConsumerId)), Texts(rows.Select(r => r.BrandId)),
        Texts(rows.Select(r => r.SkillId)), Texts(rows.Select(r => r.State)), Texts(rows.Select(r => r.Stage)),
        Texts(rows.Select(r => r.CloseReason)), Times(rows.Select(r => r.Start)), Times(rows.Select(r => r.End)),
        Times(rows.Select(r => r.LastUpdate)));

    private static NpgsqlBatchCommand Agents(List<ConversationRow> rows) => Command(
        """
        UPDATE readmodel.conversations c SET agent_id = a.agent_id, agent_seen_ts = a.seen
        FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS a(conversation_id, agent_id, seen)
        WHERE c.conversation_id = a.conversation_id
          AND (c.agent_seen_ts IS NULL OR a.seen IS NULL OR a.seen >= c.agent_seen_ts)
        """,
        Texts(rows.Select(r => r.ConversationId)), Texts(rows.Select(r => r.AgentId)), Times(rows.Select(r => r.LastUpdate)));

    /// <summary>The first agent: the ASSIGNED_AGENT of the earliest observation (by metaDataLastUpdateTs) that had one.</summary>
    private static NpgsqlBatchCommand FirstAgents(List<ConversationRow> rows) => Command(
        """
        UPDATE readmodel.conversations c SET first_agent_id = a.agent_id, first_agent_seen_ts = a.seen
        FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS a(conversation_id, agent_id, seen)
        WHERE c.conversation_id = a.conversation_id
          AND (c.first_agent_id IS NULL OR (a.seen IS NOT NULL AND c.first_agent_seen_ts IS NOT NULL AND a.seen < c.first_agent_seen_ts))
        """,
        Texts(rows.Select(r => r.ConversationId)), Texts(rows.Select(r => r.AgentId)), Times(rows.Select(r => r.LastUpdate)));

    /// <summary>
    /// The first responder: who wrote the first reply (<c>first_reply_at</c>, just moved by <see cref="Count"/> or
    /// <see cref="Recount"/> in the same batch). Only rows whose responder changes are written.
    /// </summary>
    private static NpgsqlBatchCommand Responders(List<string> conversations) => Command(
        """
        UPDATE readmodel.conversations c SET first_responder_id = r.originator_id
        FROM (SELECT c0.conversation_id,
                     (SELECT m.originator_id FROM readmodel.transcript_messages m
                      WHERE m.conversation_id = c0.conversation_id AND m.dialog_id = c0.conversation_id
                        AND m.author_role = 'agent' AND m.server_ts = c0.first_reply_at
                      ORDER BY m.sequence LIMIT 1) AS originator_id
              FROM readmodel.conversations c0
              WHERE c0.conversation_id = ANY($1::text[]) AND c0.first_reply_at IS NOT NULL) r
        WHERE c.conversation_id = r.conversation_id AND c.first_responder_id IS DISTINCT FROM r.originator_id
        """,
        Texts(conversations));

    private static NpgsqlBatchCommand Csat(List<CsatRow> rows) => Command(
        """
        INSERT INTO readmodel.csat_results AS r (conversation_id, rate, resolution_confirmation, status, submitted_at)
        SELECT * FROM unnest($1::text[], $2::integer[], $3::boolean[], $4::text[], $5::timestamptz[])
        ON CONFLICT (conversation_id) DO UPDATE SET
          rate = excluded.rate, resolution_confirmation = excluded.resolution_confirmation, status = excluded.status,
          submitted_at = excluded.submitted_at
        WHERE r.submitted_at IS NULL OR excluded.submitted_at IS NULL OR excluded.submitted_at >= r.submitted_at
        """,
        Texts(rows.Select(r => r.ConversationId)),
        new NpgsqlParameter<int?[]> { TypedValue = rows.Select(r => r.Rate).ToArray() },
        new NpgsqlParameter<bool?[]> { TypedValue = rows.Select(r => r.ResolutionConfirmation).ToArray() },
        Texts(rows.Select(r => r.Status)), Times(rows.Select(r => r.SubmittedAt)));

    private static NpgsqlBatchCommand SurveyAnswers(List<SurveyAnswerRow> rows) => Command(
        """
        INSERT INTO readmodel.survey_answers (dialog_id, sequence, conversation_id, question_id, answer_id, answer_text, answered_at)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
        ON CONFLICT (dialog_id, sequence) DO NOTHING
        """,
        Texts(rows.Select(r => r.DialogId)), Longs(rows.Select(r => r.Sequence)), Texts(rows.Select(r => r.ConversationId)),
        Texts(rows.Select(r => r.QuestionId)), Texts(rows.Select(r => r.AnswerId)), Texts(rows.Select(r => r.AnswerText)),
        Times(rows.Select(r => r.AnsweredAt)));

    private static NpgsqlBatchCommand AnswerOriginals(List<SurveyAnswerRow> rows) => Command(
        """
        INSERT INTO readmodel.survey_answer_originals (dialog_id, sequence, answer_text)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
        ON CONFLICT (dialog_id, sequence) DO NOTHING
        """,
        Texts(rows.Select(r => r.DialogId)), Longs(rows.Select(r => r.Sequence)), Texts(rows.Select(r => r.AnswerText)));

    private const string InsertParticipants =
        """
        INSERT INTO readmodel.participants (global_position, conversation_id, participant_id, role, change, at)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
        ON CONFLICT (global_position) DO NOTHING
        """;

    /// <summary>
    /// Joins and leaves that change who is present, and only those: a fact repeated in the log (a join of someone
    /// already present, a leave of someone not there — archives written before facts were derived against queued
    /// states hold some) changes nothing. Within the batch each row is held against the one before it for the same
    /// participant; the first against the table's latest row (an index serves it).
    /// </summary>
    private static NpgsqlBatchCommand Participants(List<ParticipantRow> rows)
    {
        var changes = new List<ParticipantRow>();
        var firsts = new List<bool>();
        foreach (var group in rows.GroupBy(r => (r.ConversationId, r.ParticipantId, r.Role)))
        {
            string? previous = null;
            foreach (var row in group.OrderBy(r => r.GlobalPosition))
            {
                if (row.Change == previous)
                    continue;
                firsts.Add(previous is null);
                changes.Add(row);
                previous = row.Change;
            }
        }
        var command = Command(
            """
            INSERT INTO readmodel.participants (global_position, conversation_id, participant_id, role, change, at)
            SELECT p.global_position, p.conversation_id, p.participant_id, p.role, p.change, p.at
            FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::boolean[])
                 AS p(global_position, conversation_id, participant_id, role, change, at, first)
            WHERE NOT p.first OR p.change <> coalesce(
              (SELECT x.change FROM readmodel.participants x
               WHERE x.conversation_id = p.conversation_id AND x.participant_id = p.participant_id AND x.role = p.role
               ORDER BY x.global_position DESC LIMIT 1), 'LEFT')
            ON CONFLICT (global_position) DO NOTHING
            """, ParticipantParameters(changes));
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = firsts.ToArray() });
        return command;
    }

    private static NpgsqlParameter[] ParticipantParameters(List<ParticipantRow> rows) =>
    [
        Longs(rows.Select(r => r.GlobalPosition)), Texts(rows.Select(r => r.ConversationId)), Texts(rows.Select(r => r.ParticipantId)),
        Texts(rows.Select(r => r.Role)), Texts(rows.Select(r => r.Change)), Times(rows.Select(r => r.At)),
    ];

    /// <summary>A conversation seen for the first time: its MAIN dialog's messages counted from the transcript once.</summary>
    private static NpgsqlBatchCommand Recount(List<string> conversations) => Command(
        """
        UPDATE readmodel.conversations c SET
          consumer_messages = s.consumer, agent_messages = s.agent, first_consumer_at = s.first_consumer,
          first_reply_at = (SELECT min(m.server_ts) FROM readmodel.transcript_messages m
                            WHERE m.dialog_id = c.conversation_id AND m.author_role = 'agent' AND m.server_ts >= s.first_consumer)
        FROM (SELECT a.conversation_id,
                     count(m.sequence) FILTER (WHERE m.author_role = 'consumer') AS consumer,
                     count(m.sequence) FILTER (WHERE m.author_role = 'agent') AS agent,
                     min(m.server_ts) FILTER (WHERE m.author_role = 'consumer') AS first_consumer
              FROM unnest($1::text[]) AS a(conversation_id)
              LEFT JOIN readmodel.transcript_messages m ON m.dialog_id = a.conversation_id
              GROUP BY a.conversation_id) s
        WHERE c.conversation_id = s.conversation_id
        """,
        Texts(conversations));

    /// <summary>
    /// This batch's messages added to their conversations' figures (a MAIN dialog's id is its conversation's). The first
    /// reply is the earliest agent message at or after the first consumer message: looked up again only when a new
    /// first consumer message moves that point.
    /// </summary>
    private static NpgsqlBatchCommand Count(List<RecordedEvent> messages, List<string> recounted) => Command(
        """
        WITH added AS (
          SELECT m.dialog_id AS conversation_id, m.author_role, m.server_ts
          FROM unnest($1::text[], $2::bigint[]) AS k(dialog_id, sequence)
          JOIN readmodel.transcript_messages m USING (dialog_id, sequence)
          WHERE NOT (m.dialog_id = ANY($3::text[]))),
        per AS (
          SELECT conversation_id,
                 count(*) FILTER (WHERE author_role = 'consumer') AS consumer,
                 count(*) FILTER (WHERE author_role = 'agent') AS agent,
                 min(server_ts) FILTER (WHERE author_role = 'consumer') AS first_consumer
          FROM added GROUP BY conversation_id)
        UPDATE readmodel.conversations c SET
          consumer_messages = c.consumer_messages + per.consumer,
          agent_messages = c.agent_messages + per.agent,
          first_consumer_at = least(c.first_consumer_at, per.first_consumer),
          first_reply_at = CASE
            WHEN per.first_consumer IS NOT NULL AND (c.first_consumer_at IS NULL OR per.first_consumer < c.first_consumer_at) THEN
              (SELECT min(m.server_ts) FROM readmodel.transcript_messages m
               WHERE m.dialog_id = c.conversation_id AND m.author_role = 'agent' AND m.server_ts >= per.first_consumer)
            ELSE least(c.first_reply_at,
              (SELECT min(a.server_ts) FROM added a
               WHERE a.conversation_id = c.conversation_id AND a.author_role = 'agent' AND a.server_ts >= c.first_consumer_at))
          END
        FROM per
        WHERE c.conversation_id = per.conversation_id
        """,
        Texts(messages.Select(m => m.StreamId)), Longs(messages.Select(m => m.Position)), Texts(recounted));

    private static NpgsqlBatchCommand CsatColumns(List<string> conversations) => Command(
        """
        UPDATE readmodel.conversations c SET csat_rate = r.rate, csat_resolution = r.resolution_confirmation, csat_status = r.status
        FROM readmodel.csat_results r
        WHERE r.conversation_id = ANY($1::text[]) AND c.conversation_id = r.conversation_id
        """,
        Texts(conversations));

    private static NpgsqlCommand Standalone(NpgsqlConnection connection, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<string?[]> Texts(IEnumerable<string?> values) => new NpgsqlParameter<string?[]> { TypedValue = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter<long[]> Longs(IEnumerable<long> values) => new NpgsqlParameter<long[]> { TypedValue = values.ToArray() };

    private static NpgsqlParameter<DateTimeOffset?[]> Times(IEnumerable<DateTimeOffset?> values) =>
        new NpgsqlParameter<DateTimeOffset?[]> { TypedValue = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };
}
