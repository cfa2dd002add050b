using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Archiver.Worker.Cli.Export;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Archiver.Worker.Cli;

internal static class SearchCommand
{
    /// <summary>A conversation whose transcript matches: how many of its messages do, and the first of them with the words marked «like this».</summary>
    internal sealed record SearchHit(string ConversationId, DateTime? StartTs, long Hits, string? Snippet);

    public static Command Create()
    {
        var words = new Argument<string>("words")
        {
            Description = "What to find, in web-search syntax: words (all must occur), \"an exact phrase\", or, -excluded. " +
                          "Matched as whole words, case-insensitive, without stemming.",
        };
        var from = CliTime.Option("--from", "Only conversations that started at or after this time.");
        var to = CliTime.Option("--to", "Only conversations that started before this time.");
        var limit = new Option<int>("--limit") { Description = "At most this many conversations, latest first.", DefaultValueFactory = _ => 50 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
                r.AddError("--limit must be at least 1");
        });
        var format = new Option<string>("--format") { Description = "text, or json (an array).", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("search",
            "Find conversations by what was said: full-text search over every message's text (readmodel.transcript_messages). " +
            "Prints each matching conversation's id, start, number of matching messages and a snippet.")
        {
            words, from, to, limit, format,
        };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync("search", async ct =>
        {
            var query = parse.GetValue(words)!;
            await using var services = CliServices.Build();
            await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(ct);
            var hits = await SearchAsync(connection, query, parse.GetValue(from), parse.GetValue(to), parse.GetValue(limit), ct);
            if (parse.GetValue(format) == "json")
            {
                Console.WriteLine(TerminalText.Json(JsonSerializer.Serialize(hits, ConversationDocument.Json)));
                return CliAction.Success;
            }
            // Snippets are archived text: cleaned for the terminal, a line break in one shows as ⏎.
            if (hits.Count == 0)
                Console.WriteLine(TerminalText.Clean($"no conversation matches {query}"));
            foreach (var hit in hits)
            {
                var start = hit.StartTs?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "????-??-?? ??:??:??";
                Console.WriteLine(TerminalText.Clean($"{hit.ConversationId}  {start}  {hit.Hits,4} hit(s)  {hit.Snippet}"));
            }
            return CliAction.Success;
        }, cancellationToken));
        return command;
    }

    private static async Task<List<SearchHit>> SearchAsync(
        NpgsqlConnection connection, string words, DateTime? from, DateTime? to, int limit, CancellationToken cancellationToken)
    {
        await using (var check = new NpgsqlCommand("SELECT numnode(websearch_to_tsquery('simple', $1))", connection))
        {
            check.Parameters.Add(new NpgsqlParameter<string> { TypedValue = words });
            if ((int)(await check.ExecuteScalarAsync(cancellationToken))! == 0)
                throw new ArgumentException($"'{words}' holds no word to search for");
        }

        // The GIN indexes on the search vectors find the messages (matching_messages: the masked text's for analysts, the
        // originals' too for compliance); the conversations' start filters and orders them.
        var source = await ReadSide.TextSource.ForAsync(connection, cancellationToken);
        await using var command = new NpgsqlCommand(
            $$"""
            SELECT h.conversation_id, h.start_ts, h.hits,
                   ts_headline('simple', first.text, websearch_to_tsquery('simple', $1),
                               'StartSel=«, StopSel=», MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "')
            FROM (
              SELECT m.conversation_id, min(c.start_ts) AS start_ts, count(*) AS hits
              FROM {{source.MatchingMessages}}(websearch_to_tsquery('simple', $1)) m
              LEFT JOIN readmodel.conversations c ON c.conversation_id = m.conversation_id
              WHERE true
                AND ($2::timestamptz IS NULL OR c.start_ts >= $2)
                AND ($3::timestamptz IS NULL OR c.start_ts < $3)
              GROUP BY m.conversation_id
              ORDER BY min(c.start_ts) DESC NULLS LAST, m.conversation_id
              LIMIT $4) h
            CROSS JOIN LATERAL (
              SELECT m.text FROM {{source.Messages}} m
              WHERE m.conversation_id = h.conversation_id AND m.search @@ websearch_to_tsquery('simple', $1)
              ORDER BY m.server_ts NULLS LAST, m.dialog_id, m.sequence
              LIMIT 1) first
            ORDER BY h.start_ts DESC NULLS LAST, h.conversation_id
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = words });
        command.Parameters.Add(Time(from));
        command.Parameters.Add(Time(to));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var hits = new List<SearchHit>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            hits.Add(new SearchHit(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTime>(1),
                reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetString(3)));
        }
        return hits;
    }

    private static NpgsqlParameter Time(DateTime? value) =>
        new() { Value = value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
