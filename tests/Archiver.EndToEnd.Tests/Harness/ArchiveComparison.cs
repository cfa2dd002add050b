using System.Text.Json;
using Npgsql;

namespace Archiver.EndToEnd.Tests.Harness;

/// <summary>
/// The archive against the simulator's ground truth. Messaging events must match exactly: every (dialog, sequence)
/// emitted is archived once with the same JSON, and nothing else is. Conversation states: every archived state is one
/// the simulator emitted, and the latest emitted state is archived (states that came and went while the worker was
/// disconnected are legitimately never seen — the server only re-sends the current one).
/// </summary>
public static class ArchiveComparison
{
    public static async Task<IReadOnlyList<string>> DifferencesAsync(NpgsqlDataSource archive, GroundTruth truth)
    {
        var differences = new List<string>();
        var archived = await ReadAsync(archive);
        var expectedStreams = new HashSet<string>(StringComparer.Ordinal);

        foreach (var conversation in truth.Conversations)
        {
            foreach (var dialog in conversation.Dialogs)
            {
                expectedStreams.Add(dialog.DialogId);
                archived.TryGetValue(dialog.DialogId, out var stored);
                stored ??= [];
                var bySequence = stored.ToDictionary(e => e.Position);
                foreach (var expected in dialog.Events)
                {
                    var sequence = expected.GetProperty("sequence").GetInt64();
                    if (!bySequence.Remove(sequence, out var actual))
                        differences.Add($"missing {dialog.DialogId}#{sequence}");
                    else if (!JsonElement.DeepEquals(Parse(actual.Body), expected))
                        differences.Add($"different {dialog.DialogId}#{sequence}: archived {actual.Body} emitted {expected.GetRawText()}");
                }
                foreach (var extra in bySequence.Keys)
                    differences.Add($"extra {dialog.DialogId}#{extra}");
            }

            var stream = "conversation:" + conversation.ConversationId;
            expectedStreams.Add(stream);
            var observed = (archived.GetValueOrDefault(stream) ?? []).Where(e => e.Type == "ConversationObserved")
                .Select(e => Parse(e.Body).GetProperty("result")).ToList();
            foreach (var state in observed)
            {
                if (!conversation.States.Any(s => JsonElement.DeepEquals(s, state)))
                    differences.Add($"conversation {conversation.ConversationId}: an archived state was never emitted: {state.GetRawText()}");
            }
            if (conversation.States.Count > 0 && !observed.Any(s => JsonElement.DeepEquals(s, conversation.States[^1])))
                differences.Add($"conversation {conversation.ConversationId}: its latest state is not archived");
        }

        foreach (var stream in archived.Keys.Where(s => !expectedStreams.Contains(s) && !s.StartsWith("chatstate:", StringComparison.Ordinal)
                     && !s.StartsWith("unrecognised:", StringComparison.Ordinal) && !s.StartsWith("agent:", StringComparison.Ordinal)))
            differences.Add($"unexpected stream {stream} ({archived[stream].Count} events)");
        return differences;
    }

    public static async Task<long> CountAsync(NpgsqlDataSource archive, string sql)
    {
        await using var command = archive.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private sealed record Stored(long Position, string Type, string Body);

    private static async Task<Dictionary<string, List<Stored>>> ReadAsync(NpgsqlDataSource archive)
    {
        var streams = new Dictionary<string, List<Stored>>(StringComparer.Ordinal);
        await using var command = archive.CreateCommand("SELECT stream_id, position, type, body::text FROM archive.events ORDER BY stream_id, position");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var stream = reader.GetString(0);
            if (!streams.TryGetValue(stream, out var list))
                streams[stream] = list = [];
            list.Add(new Stored(reader.GetInt64(1), reader.GetString(2), reader.GetString(3)));
        }
        return streams;
    }
}
