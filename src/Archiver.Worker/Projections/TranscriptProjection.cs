using Archiver.Domain.Events;
using Archiver.Domain.Lifecycle;
using Archiver.Domain.Masking;
using Archiver.Domain.Projections;
using Archiver.Worker.Store;
using Npgsql;

namespace Archiver.Worker.Projections;

/// <summary>
/// Keeps <c>readmodel.dialogs</c> and <c>readmodel.transcript_messages</c> (migrations/0002_transcript.sql), the
/// messages masked with the rules in force and the originals of those the rules changed in
/// <c>readmodel.message_originals</c>, and the messages that carry LivePerson's deletion marker in
/// <c>readmodel.source_deletions</c> (migrations/0012_lifecycle.sql, docs/compliance.md).
/// </summary>
public sealed class TranscriptProjection(MaskingInForce masking) : IInlineProjection
{
    public TranscriptProjection()
        : this(new MaskingInForce())
    {
    }

    public string Name => "transcript";

    public IReadOnlyList<string> Tables { get; } =
        ["readmodel.dialogs", "readmodel.transcript_messages", "readmodel.message_originals", "readmodel.source_deletions"];

    /// <summary>A rebuild COPYs messages and reads them back only by whole-table aggregates (<see cref="ReadModelsProjection"/>).</summary>
    public IReadOnlyList<string> UnkeyedWhileRebuilding { get; } = ["readmodel.transcript_messages"];

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, ProjectionIssues issues, CancellationToken cancellationToken)
    {
        var (dialogs, messages, _, _) = Parse(events, issues);
        // Dialogs first: a message of a POST_SURVEY dialog in the same batch finds its conversation through them.
        if (dialogs.Count > 0)
            await UpsertDialogsAsync(connection, dialogs, cancellationToken);
        if (messages.Count > 0)
        {
            var masked = Mask(messages, await masking.CurrentAsync(connection, cancellationToken));
            await InsertMessagesAsync(connection, masked.Messages, cancellationToken);
            await InsertAsideAsync(connection, masked, cancellationToken);
        }
    }

    /// <summary>
    /// A batch's messages as analysts may read them, and aside: the originals of those the masker changed, and the
    /// messages that show LivePerson's deletion marker (looked for in the originals).
    /// </summary>
    private sealed record MaskedBatch(List<TranscriptMessage> Messages, List<TranscriptMessage> Originals, List<TranscriptMessage> SourceDeleted);

    private static MaskedBatch Mask(List<TranscriptMessage> messages, Masker? masker)
    {
        var shown = new List<TranscriptMessage>(messages.Count);
        var originals = new List<TranscriptMessage>();
        foreach (var m in messages)
        {
            var text = masker?.Mask(m.Text) ?? m.Text;
            var rich = masker?.MaskJson(m.RichContentJson) ?? m.RichContentJson;
            if (ReferenceEquals(text, m.Text) && ReferenceEquals(rich, m.RichContentJson))
            {
                shown.Add(m);
            }
            else
            {
                shown.Add(m with { Text = text, RichContentJson = rich });
                originals.Add(m);
            }
        }
        var deleted = messages.Where(m => SourceDeletion.IsMarked(m.Text) || SourceDeletion.IsMarked(m.RichContentJson)).ToList();
        return new MaskedBatch(shown, originals, deleted);
    }

    private static async Task InsertAsideAsync(NpgsqlConnection connection, MaskedBatch batch, CancellationToken cancellationToken)
    {
        await using var commands = new NpgsqlBatch(connection);
        if (batch.Originals.Count > 0)
        {
            var command = new NpgsqlBatchCommand(
                """
                INSERT INTO readmodel.message_originals (dialog_id, sequence, text, rich_content, search)
                SELECT d, s, t, r::jsonb, readmodel.search_vector(t) FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS o(d, s, t, r)
                ON CONFLICT (dialog_id, sequence) DO NOTHING
                """);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = batch.Originals.Select(m => m.DialogId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = batch.Originals.Select(m => m.Sequence).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = batch.Originals.Select(m => m.Text).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = batch.Originals.Select(m => m.RichContentJson).ToArray() });
            commands.BatchCommands.Add(command);
        }
        if (batch.SourceDeleted.Count > 0)
        {
            var command = new NpgsqlBatchCommand(
                """
                INSERT INTO readmodel.source_deletions (dialog_id, sequence, conversation_id, global_position, server_ts)
                SELECT m.d, m.s, coalesce(m.c, dl.conversation_id, m.d), m.g, m.t
                FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::timestamptz[]) AS m(d, s, c, g, t)
                LEFT JOIN readmodel.dialogs dl ON dl.dialog_id = m.d
                ON CONFLICT (dialog_id, sequence) DO NOTHING
                """);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = batch.SourceDeleted.Select(m => m.DialogId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = batch.SourceDeleted.Select(m => m.Sequence).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = batch.SourceDeleted.Select(m => m.ConversationId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = batch.SourceDeleted.Select(m => m.GlobalPosition).ToArray() });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]> { TypedValue = batch.SourceDeleted.Select(m => m.ServerTimestamp).ToArray() });
            commands.BatchCommands.Add(command);
        }
        if (commands.BatchCommands.Count > 0)
            await commands.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A batch's dialogs and messages, parsed (in a rebuild a page ahead of writing them: <see cref="IInlineProjection.PrepareRebuilding"/>), and
    /// in a rebuild each message's search vector in PostgreSQL's binary form (<see cref="IInlineProjection.EnrichRebuildingAsync"/>).
    /// </summary>
    private sealed record ParsedBatch(List<DialogRow> Dialogs, List<TranscriptMessage> Messages, byte[][]? SearchVectors = null, MaskedBatch? Masked = null);

    public object? PrepareRebuilding(IReadOnlyList<RecordedEvent> events, ProjectionIssues issues) => Parse(events, issues);

    private static ParsedBatch Parse(IReadOnlyList<RecordedEvent> events, ProjectionIssues issues) => new(
        events.Select(e => issues.Fold(e, TranscriptFold.Dialog)).OfType<DialogRow>().ToList(),
        events.Select(e => issues.Fold(e, TranscriptFold.Message)).OfType<TranscriptMessage>().ToList());

    /// <summary>
    /// The page's search vectors, computed by the helper connection's backend with the live path's function, while the
    /// rebuild's own backend writes the page before. They come back in tsvector's binary wire form (tsvectorsend), which
    /// is exactly what a binary COPY of the tsvector column takes, so they are passed through as they are.
    /// </summary>
    public async Task<object?> EnrichRebuildingAsync(NpgsqlConnection helper, object? prepared, CancellationToken cancellationToken)
    {
        var page = (ParsedBatch)prepared!;
        if (page.Messages.Count == 0)
            return page;
        // Masked here, on the helper connection, with the rules in force (a rebuild holds the log head: they cannot change).
        var masked = Mask(page.Messages, await masking.CurrentAsync(helper, cancellationToken));
        page = page with { Messages = masked.Messages, Masked = masked };
        await using var command = new NpgsqlCommand(
            "SELECT tsvectorsend(readmodel.search_vector(t)) FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY i", helper);
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = page.Messages.Select(m => m.Text).ToArray() });
        var vectors = new byte[page.Messages.Count][];
        var i = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                vectors[i++] = reader.GetFieldValue<byte[]>(0);
        }
        if (i != vectors.Length)
            throw new InvalidOperationException($"Search vectors: {i} computed for {vectors.Length} messages.");
        return page with { SearchVectors = vectors };
    }

    /// <summary>
    /// A rebuild writes the messages with binary COPY: its tables were emptied and each event comes once, so the live
    /// path's conflict handling has nothing to do. A message naming no conversation gets it from the dialogs written so
    /// far, exactly as the live path's join would have.
    /// </summary>
    public async Task ApplyRebuildingAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, object? prepared, ProjectionIssues issues,
        CancellationToken cancellationToken)
    {
        var (dialogs, messages, searchVectors, masked) = (ParsedBatch)prepared!;
        if (dialogs.Count > 0)
            await UpsertDialogsAsync(connection, dialogs, cancellationToken);
        if (messages.Count == 0)
            return;
        var vectors = searchVectors ?? throw new InvalidOperationException("A rebuild page reached the transcript without its search vectors (EnrichRebuildingAsync).");

        // Only messages that do not name their conversation need the dialogs table; LivePerson's changes usually do.
        var conversationOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var unnamed = messages.Where(m => m.ConversationId is null).Select(m => m.DialogId).Distinct(StringComparer.Ordinal).ToArray();
        if (unnamed.Length > 0)
        {
            await using var lookup = new NpgsqlCommand("SELECT dialog_id, conversation_id FROM readmodel.dialogs WHERE dialog_id = ANY($1)", connection);
            lookup.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = unnamed });
            await using var reader = await lookup.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                conversationOf[reader.GetString(0)] = reader.GetString(1);
        }

        await using var writer = await connection.BeginBinaryImportAsync(
            """
            COPY readmodel.transcript_messages (dialog_id, sequence, conversation_id, event_type, originator_id, originator_role, content_type,
                                                text, file_path, rich_content, server_ts, global_position, search) FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(m.DialogId, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(m.Sequence, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(m.ConversationId ?? conversationOf.GetValueOrDefault(m.DialogId) ?? m.DialogId, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(m.EventType, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(writer, m.OriginatorId, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(writer, m.OriginatorRole, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(writer, m.ContentType, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(writer, m.Text, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(writer, m.FilePath, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(writer, m.RichContentJson, NpgsqlTypes.NpgsqlDbType.Jsonb, cancellationToken);
            if (m.ServerTimestamp is { } ts)
                await writer.WriteAsync(ts, NpgsqlTypes.NpgsqlDbType.TimestampTz, cancellationToken);
            else
                await writer.WriteNullAsync(cancellationToken);
            await writer.WriteAsync(m.GlobalPosition, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
            // A binary COPY field is its type's send form; written as raw bytes it reaches tsvectorrecv unchanged.
            await writer.WriteAsync(vectors[i], NpgsqlTypes.NpgsqlDbType.Bytea, cancellationToken);
        }
        await writer.CompleteAsync(cancellationToken);
        await writer.DisposeAsync(); // the connection is free for other statements only once the import is disposed
        if (masked is not null)
            await InsertAsideAsync(connection, masked, cancellationToken);
    }

    private static Task WriteAsync(NpgsqlBinaryImporter writer, string? value, NpgsqlTypes.NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? writer.WriteNullAsync(cancellationToken) : writer.WriteAsync(value, type, cancellationToken);

    private static async Task UpsertDialogsAsync(NpgsqlConnection connection, List<DialogRow> dialogs, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var d in dialogs)
        {
            var command = new NpgsqlBatchCommand(
                """
                INSERT INTO readmodel.dialogs AS d (dialog_id, conversation_id, dialog_type, channel_type, state, opened_at, closed_at, closed_by, closed_cause)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (dialog_id) DO UPDATE SET
                  conversation_id = excluded.conversation_id,
                  dialog_type = coalesce(excluded.dialog_type, d.dialog_type),
                  channel_type = coalesce(excluded.channel_type, d.channel_type),
                  state = CASE WHEN d.state = 'CLOSE' OR excluded.state = 'CLOSE' THEN 'CLOSE' ELSE 'OPEN' END,
                  opened_at = coalesce(d.opened_at, excluded.opened_at),
                  closed_at = coalesce(excluded.closed_at, d.closed_at),
                  closed_by = coalesce(excluded.closed_by, d.closed_by),
                  closed_cause = coalesce(excluded.closed_cause, d.closed_cause)
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = d.DialogId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = d.ConversationId });
            command.Parameters.Add(Nullable(d.DialogType));
            command.Parameters.Add(Nullable(d.ChannelType));
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = d.State });
            command.Parameters.Add(Nullable(d.OpenedAt));
            command.Parameters.Add(Nullable(d.ClosedAt));
            command.Parameters.Add(Nullable(d.ClosedBy));
            command.Parameters.Add(Nullable(d.ClosedCause));
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task InsertMessagesAsync(NpgsqlConnection connection, List<TranscriptMessage> messages, CancellationToken cancellationToken)
    {
        // Only newly appended events reach a projection, so a key already present means a rebuild raced a writer:
        // the archive stays the truth and the row is left as it is.
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO readmodel.transcript_messages
              (dialog_id, sequence, conversation_id, event_type, originator_id, originator_role, content_type, text, file_path, rich_content, server_ts,
               global_position, search)
            SELECT m.dialog_id, m.sequence, coalesce(m.conversation_id, d.conversation_id, m.dialog_id), m.event_type, m.originator_id,
                   m.originator_role, m.content_type, m.text, m.file_path, m.rich_content::jsonb, m.server_ts, m.global_position,
                   readmodel.search_vector(m.text)
            FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                        $10::text[], $11::timestamptz[], $12::bigint[])
                 AS m(dialog_id, sequence, conversation_id, event_type, originator_id, originator_role, content_type, text, file_path,
                      rich_content, server_ts, global_position)
            LEFT JOIN readmodel.dialogs d ON d.dialog_id = m.dialog_id
            ON CONFLICT (dialog_id, sequence) DO NOTHING
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = messages.Select(m => m.DialogId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = messages.Select(m => m.Sequence).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = messages.Select(m => m.ConversationId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = messages.Select(m => m.EventType).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = messages.Select(m => m.OriginatorId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = messages.Select(m => m.OriginatorRole).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = messages.Select(m => m.ContentType).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = messages.Select(m => m.Text).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = messages.Select(m => m.FilePath).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = messages.Select(m => m.RichContentJson).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]> { TypedValue = messages.Select(m => m.ServerTimestamp).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = messages.Select(m => m.GlobalPosition).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Nullable(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    private static NpgsqlParameter Nullable(DateTimeOffset? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz };
}
