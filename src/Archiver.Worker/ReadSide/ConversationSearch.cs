using Npgsql;
using NpgsqlTypes;

namespace Archiver.Worker.ReadSide;

/// <summary>How search results are ordered.</summary>
public enum SearchOrder
{
    /// <summary>Latest start first (the default).</summary>
    Newest,
    Oldest,

    /// <summary>Most matching messages first (text searches), then latest.</summary>
    MostHits,

    /// <summary>Lowest CSAT first, then latest: the complaints.</summary>
    LowestCsat,
}

/// <summary>
/// What to find (docs/console.md, "Search"): words said (full-text, web-search syntax) and any of the conversation's
/// attributes. Every criterion given must hold.
/// </summary>
public sealed record SearchCriteria(
    string? Words = null, string? ConsumerId = null, string? Agent = null, DateTime? From = null, DateTime? To = null,
    string? SkillId = null, string? State = null, int? Csat = null, string? CloseReason = null,
    SearchOrder Order = SearchOrder.Newest, int Page = 1, int PageSize = 25);

/// <summary>
/// A conversation found: its header, how many of its messages match the words, and the first of them with the words
/// marked «like this».
/// </summary>
public sealed record SearchHit(
    string ConversationId, DateTime? StartTs, long Hits, string? Snippet, string? ConsumerId = null, string? AgentId = null, string? AgentName = null,
    string? State = null, string? SkillId = null, int? CsatRate = null, string? CloseReason = null);

/// <summary>One page of hits; <see cref="HasMore"/> when another page follows.</summary>
public sealed record SearchPage(IReadOnlyList<SearchHit> Hits, bool HasMore);

/// <summary>
/// The one search behind <c>archiver search</c> and the console's search page. The GIN indexes on the search vectors
/// find the messages (<see cref="TextSource.MatchingMessages"/>: what analysts may read, or for compliance what was
/// said); the conversations' columns filter and order them.
/// </summary>
public static class ConversationSearch
{
    /// <summary>Snippet options: a few words around each hit, two fragments at most.</summary>
    private const string Headline = "StartSel=«, StopSel=», MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \"";

    public static async Task<SearchPage> SearchAsync(NpgsqlConnection connection, TextSource source, SearchCriteria criteria, CancellationToken cancellationToken)
    {
        var words = string.IsNullOrWhiteSpace(criteria.Words) ? null : criteria.Words;
        if (words is not null)
        {
            await using var check = new NpgsqlCommand("SELECT numnode(websearch_to_tsquery('simple', $1))", connection);
            check.Parameters.Add(new NpgsqlParameter<string> { TypedValue = words });
            if ((int)(await check.ExecuteScalarAsync(cancellationToken))! == 0)
                throw new ArgumentException($"'{words}' holds no word to search for");
        }
        var pageSize = Math.Clamp(criteria.PageSize, 1, 10_000);
        var page = Math.Max(1, criteria.Page);

        // Every conversation the words are found in (with messages archived before its metadata: no conversation row
        // yet), or every conversation when no words are given; filtered and ordered by its columns, one page of it.
        var keys = words is null
            ? "SELECT conversation_id, 0::bigint AS hits FROM readmodel.conversations"
            : $"SELECT m.conversation_id, count(*) AS hits FROM {source.MatchingMessages}(websearch_to_tsquery('simple', $1)) m GROUP BY m.conversation_id";
        var page1 = $"""
            SELECT k.conversation_id, c.start_ts, k.hits, c.consumer_id, c.agent_id, coalesce(a.full_name, a.nickname) AS agent_name,
                   c.state, c.skill_id, c.csat_rate, c.close_reason
            FROM ({keys}) k
            LEFT JOIN readmodel.conversations c ON c.conversation_id = k.conversation_id
            LEFT JOIN readmodel.agents a ON a.agent_id = c.agent_id
            WHERE ($2::timestamptz IS NULL OR c.start_ts >= $2)
              AND ($3::timestamptz IS NULL OR c.start_ts < $3)
              AND ($4::text IS NULL OR c.consumer_id = $4)
              AND ($5::text IS NULL OR EXISTS (
                    SELECT 1 FROM readmodel.participants p LEFT JOIN readmodel.agents g ON g.agent_id = p.participant_id
                    WHERE p.conversation_id = k.conversation_id AND p.role <> 'CONSUMER'
                      AND (p.participant_id = $5 OR g.full_name ILIKE '%' || $5 || '%' OR g.nickname ILIKE '%' || $5 || '%')))
              AND ($6::text IS NULL OR c.skill_id = $6)
              AND ($7::text IS NULL OR c.state = $7)
              AND ($8::int IS NULL OR c.csat_rate = $8)
              AND ($9::text IS NULL OR c.close_reason = $9)
            ORDER BY {Order(criteria.Order, words is not null, "c.start_ts", "k.hits", "c.csat_rate", "k.conversation_id")}
            LIMIT $10 OFFSET $11
            """;
        // The snippet for the page's rows only: the first matching message of each, in the order they were said.
        var sql = words is null
            ? $"SELECT conversation_id, start_ts, hits, NULL::text, consumer_id, agent_id, agent_name, state, skill_id, csat_rate, close_reason FROM ({page1}) h " +
              $"ORDER BY {Order(criteria.Order, false, "h.start_ts", "h.hits", "h.csat_rate", "h.conversation_id")}"
            : $"""
              SELECT h.conversation_id, h.start_ts, h.hits, first.snippet, h.consumer_id, h.agent_id, h.agent_name, h.state, h.skill_id, h.csat_rate, h.close_reason
              FROM ({page1}) h
              CROSS JOIN LATERAL (
                SELECT ts_headline('simple', m.text, websearch_to_tsquery('simple', $1), '{Headline}') AS snippet
                FROM {source.Messages} m
                WHERE m.conversation_id = h.conversation_id AND m.search @@ websearch_to_tsquery('simple', $1)
                ORDER BY m.server_ts NULLS LAST, m.dialog_id, m.sequence
                LIMIT 1) first
              ORDER BY {Order(criteria.Order, true, "h.start_ts", "h.hits", "h.csat_rate", "h.conversation_id")}
              """;

        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)words ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(Time(criteria.From));
        command.Parameters.Add(Time(criteria.To));
        command.Parameters.Add(Text(criteria.ConsumerId));
        command.Parameters.Add(Text(criteria.Agent));
        command.Parameters.Add(Text(criteria.SkillId));
        command.Parameters.Add(Text(criteria.State));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)criteria.Csat ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(Text(criteria.CloseReason));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize + 1 });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (page - 1) * pageSize });
        var hits = new List<SearchHit>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            hits.Add(new SearchHit(
                reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTime>(1), reader.GetInt64(2), Nullable(reader, 3),
                Nullable(reader, 4), Nullable(reader, 5), Nullable(reader, 6), Nullable(reader, 7), Nullable(reader, 8),
                reader.IsDBNull(9) ? null : reader.GetInt32(9), Nullable(reader, 10)));
        }
        var more = hits.Count > pageSize;
        return new SearchPage(more ? hits[..pageSize] : hits, more);
    }

    private static string Order(SearchOrder order, bool words, string start, string hits, string csat, string id) => order switch
    {
        SearchOrder.Oldest => $"{start} ASC NULLS LAST, {id}",
        SearchOrder.MostHits when words => $"{hits} DESC, {start} DESC NULLS LAST, {id}",
        SearchOrder.LowestCsat => $"{csat} ASC NULLS LAST, {start} DESC NULLS LAST, {id}",
        _ => $"{start} DESC NULLS LAST, {id}",
    };

    private static string? Nullable(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private static NpgsqlParameter Text(string? value) =>
        new() { Value = string.IsNullOrWhiteSpace(value) ? DBNull.Value : value.Trim(), NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Time(DateTime? value) =>
        new() { Value = value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
