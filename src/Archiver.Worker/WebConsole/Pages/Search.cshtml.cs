using System.Globalization;
using System.Text.Json.Nodes;
using Archiver.Worker.ReadSide;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;

namespace Archiver.Worker.WebConsole.Pages;

/// <summary>
/// Search (docs/console.md): the read side's one search, with every filter, paged and ordered; text as the user's role
/// may read it (masked for reviewers); each search recorded with its criteria.
/// </summary>
public sealed class SearchModel(NpgsqlDataSource dataSource, AccessAudit audit) : PageModel
{
    public const int PageSize = 25;

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? Consumer { get; set; }
    [BindProperty(SupportsGet = true)] public string? Agent { get; set; }
    [BindProperty(SupportsGet = true)] public DateTime? From { get; set; }
    [BindProperty(SupportsGet = true)] public DateTime? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? Skill { get; set; }
    [BindProperty(SupportsGet = true)] public string? State { get; set; }
    [BindProperty(SupportsGet = true)] public int? Csat { get; set; }
    [BindProperty(SupportsGet = true)] public string? Close { get; set; }
    [BindProperty(SupportsGet = true)] public SearchOrder Sort { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    public SearchPage? Results { get; private set; }

    public HashSet<string> Held { get; private set; } = [];

    public string? Error { get; private set; }

    public bool Searched => Results is not null;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (Request.Query.Count == 0)
            return; // the empty form: nothing asked yet
        var criteria = new SearchCriteria(Q, Consumer, Agent, Utc(From), Utc(To), Skill, State, Csat, Close, Sort, Math.Max(1, PageNumber), PageSize);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            Results = await ConversationSearch.SearchAsync(connection, User.CanReadClear() ? TextSource.Original : TextSource.Masked, criteria, cancellationToken);
        }
        catch (ArgumentException e)
        {
            Error = e.Message;
            return;
        }
        Held = await HeldAsync(connection, Results.Hits.Select(h => h.ConversationId).ToArray(), cancellationToken);
        await audit.RecordAsync(HttpContext, AccessAudit.Search, null, Criteria(criteria, Results.Hits.Count), cancellationToken);
    }

    /// <summary>Which of these conversations an active legal hold keeps: a badge on the row.</summary>
    internal static async Task<HashSet<string>> HeldAsync(NpgsqlConnection connection, string[] ids, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT DISTINCT conversation_id FROM archive.held_conversations WHERE conversation_id = ANY($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var held = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
            held.Add(reader.GetString(0));
        return held;
    }

    /// <summary>The snippet's words marked: the text is encoded first, then its «» marks become &lt;mark&gt;.</summary>
    public static Microsoft.AspNetCore.Html.HtmlString Snippet(string? snippet) => new(
        System.Text.Encodings.Web.HtmlEncoder.Default.Encode(snippet ?? "")
            .Replace(System.Text.Encodings.Web.HtmlEncoder.Default.Encode("«"), "<mark>", StringComparison.Ordinal)
            .Replace(System.Text.Encodings.Web.HtmlEncoder.Default.Encode("»"), "</mark>", StringComparison.Ordinal));

    /// <summary>This search's address with another page number (or order).</summary>
    public string Link(int page, SearchOrder? sort = null)
    {
        var query = Request.Query.Where(q => q.Key is not ("p" or "sort")).ToDictionary(q => q.Key, q => q.Value.ToString());
        query["p"] = page.ToString(CultureInfo.InvariantCulture);
        query["sort"] = (sort ?? Sort).ToString();
        return Url.Page("/Search") + Microsoft.AspNetCore.Http.QueryString.Create(query.Select(q => new KeyValuePair<string, string?>(q.Key, q.Value)));
    }

    private static JsonObject Criteria(SearchCriteria c, int results)
    {
        var json = new JsonObject { ["results"] = results, ["page"] = c.Page, ["order"] = c.Order.ToString() };
        void Put(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
                json[key] = value;
        }
        Put("words", c.Words);
        Put("consumer", c.ConsumerId);
        Put("agent", c.Agent);
        Put("from", c.From?.ToString("O", CultureInfo.InvariantCulture));
        Put("to", c.To?.ToString("O", CultureInfo.InvariantCulture));
        Put("skill", c.SkillId);
        Put("state", c.State);
        Put("csat", c.Csat?.ToString(CultureInfo.InvariantCulture));
        Put("closeReason", c.CloseReason);
        return json;
    }

    private static DateTime? Utc(DateTime? value) => value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : null;
}
