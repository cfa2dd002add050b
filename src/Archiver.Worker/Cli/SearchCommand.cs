using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Archiver.Worker.ReadSide;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Archiver.Worker.Cli;

internal static class SearchCommand
{
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
            var source = await TextSource.ForAsync(connection, ct);
            var found = await ConversationSearch.SearchAsync(connection, source,
                new SearchCriteria(query, From: parse.GetValue(from), To: parse.GetValue(to), PageSize: parse.GetValue(limit)), ct);
            var hits = found.Hits.Select(h => new { h.ConversationId, h.StartTs, h.Hits, h.Snippet }).ToList();
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
}
