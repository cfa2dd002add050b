using Npgsql;

namespace Archiver.Worker.ReadSide;

/// <summary>An exported conversation's streams in the export's snapshot: its metadata stream and every dialog's.</summary>
internal static class ConversationStreams
{
    public static async Task<List<ManifestConversation>> ReadAsync(NpgsqlConnection connection, IReadOnlyList<string> conversations, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT c.id, s.stream_id, s.event_count, s.max_position, encode(s.head_hash, 'hex')
            FROM unnest($1::text[]) AS c(id)
            JOIN archive.streams s
              ON s.stream_id = 'conversation:' || c.id OR s.stream_id = c.id
              OR s.stream_id IN (SELECT d.dialog_id FROM readmodel.dialogs d WHERE d.conversation_id = c.id)
            ORDER BY c.id, s.stream_id COLLATE "C"
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = conversations.ToArray() });
        var streams = conversations.ToDictionary(c => c, _ => new List<ManifestStream>(), StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            streams[reader.GetString(0)].Add(new ManifestStream(reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4)));
        return conversations.Select(c => new ManifestConversation(c, streams[c])).ToList();
    }
}
