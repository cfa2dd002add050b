using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Hashing;
using Archiver.Domain.Lifecycle;
using Archiver.Worker.Store;
using Archiver.Worker.Store.Checkpoints;
using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>A conflicts or rejections row as the checkpoints digest it.</summary>
internal sealed record ArchiveRow(string Table, long Id, object?[] Fields)
{
    public byte[] Hash => RowDigest.HashOf(Fields);
}

/// <summary>
/// Everything the archive holds of one conversation, read under the lock of its streams' rows (the lock every append
/// takes, in the same order, so an append to them waits): its metadata stream, every dialog's stream and chat-state
/// stream, their events, and the conflicts and rejections about them. What a disposal removes and an erasure redacts.
/// </summary>
internal sealed record ConversationEvidence(
    string ConversationId,
    IReadOnlyList<string> Dialogs,
    IReadOnlyList<CertifiedStream> Streams,
    IReadOnlyList<RecordedEvent> Events,
    IReadOnlyList<ArchiveRow> Rows)
{
    public static async Task<ConversationEvidence> ReadAsync(NpgsqlConnection connection, string conversationId, CancellationToken cancellationToken)
    {
        // The MAIN dialog's id is the conversation's; the others are known from the dialogs and the transcript.
        var dialogs = new SortedSet<string>(StringComparer.Ordinal) { conversationId };
        await using (var command = new NpgsqlCommand(
            """
            SELECT dialog_id FROM readmodel.dialogs WHERE conversation_id = $1
            UNION SELECT dialog_id FROM readmodel.transcript_messages WHERE conversation_id = $1
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = conversationId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                dialogs.Add(reader.GetString(0));
        }
        var candidates = dialogs.Append(ArchiveEventTypes.ConversationStream(conversationId))
            .Concat(dialogs.Select(ArchiveEventTypes.ChatStateStream)).ToArray();

        var streams = new List<CertifiedStream>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT stream_id, event_count, max_position, head_hash FROM archive.streams
            WHERE stream_id = ANY($1) ORDER BY stream_id COLLATE "C" FOR UPDATE
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = candidates });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                streams.Add(new CertifiedStream(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<byte[]>(3)));
        }
        var ids = streams.Select(s => s.StreamId).ToArray();

        var events = new List<RecordedEvent>();
        await using (var command = new NpgsqlCommand(
            $"SELECT {PostgresEventStore.RecordedEventColumns} FROM archive.events WHERE stream_id = ANY($1) ORDER BY global_position", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                events.Add(PostgresEventStore.ReadRecordedEvent(reader));
        }

        var rows = new List<ArchiveRow>();
        await foreach (var (id, fields) in ArchiveTables.RowsAsync(connection,
            $"SELECT {ArchiveTables.ConflictColumns} FROM archive.conflicts WHERE stream_id = ANY($1) ORDER BY conflict_id", ids, cancellationToken))
            rows.Add(new ArchiveRow("conflicts", id, fields));
        // Rejections are about an event (its position) or a stream; both, for the events of these streams.
        var positions = events.Select(e => e.GlobalPosition).ToArray();
        var rejections = new SortedDictionary<long, object?[]>();
        await foreach (var (id, fields) in ArchiveTables.RowsAsync(connection,
            $"SELECT {ArchiveTables.RejectionColumns} FROM archive.rejections WHERE stream_id = ANY($1)", ids, cancellationToken))
            rejections[id] = fields;
        await foreach (var (id, fields) in ArchiveTables.RowsAsync(connection,
            $"SELECT {ArchiveTables.RejectionColumns} FROM archive.rejections WHERE global_position = ANY($1)", positions, cancellationToken))
            rejections[id] = fields;
        rows.AddRange(rejections.Select(r => new ArchiveRow("rejections", r.Key, r.Value)));
        return new ConversationEvidence(conversationId, [.. dialogs], streams, events, rows);
    }
}
