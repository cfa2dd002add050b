using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;
using Npgsql;

namespace Archiver.EndToEnd.Tests;

/// <summary>
/// Issue 12, an analyst's first day, over a scenario archive with transfers, legacy CSAT and survey answers, read as an
/// <c>analyst</c> login: the first agent and the first responder, response times by the agent who answered, each transfer
/// once and CSAT by agent and week over both sources equal what the simulator's ground truth implies; and
/// docs/analytics.md is held to the archive — every SQL block in it runs as the login it names and returns rows, every
/// documented column exists and every column is documented.
/// </summary>
public sealed partial class AnalystTests(AnalystTests.ScenarioArchive archive) : IClassFixture<AnalystTests.ScenarioArchive>
{
    [Fact]
    public async Task First_agent_first_responder_response_times_transfers_and_csat_equal_the_ground_truth()
    {
        var truth = archive.Truth;
        var expected = truth.Conversations.Select(Expect).ToList();
        Assert.Contains(expected, e => e.FirstResponder != e.LastAgent); // transfers after the first reply are in the scenario
        Assert.Contains(expected, e => e.Csat.Any(r => r.Source == "legacy"));
        Assert.Contains(expected, e => e.Csat.Any(r => r.Source == "survey"));

        await using var analyst = await archive.AnalystAsync();

        var attribution = await RowsAsync(analyst, "SELECT conversation_id, first_agent_id, first_responder_id, agent_id FROM readmodel.conversations");
        Assert.Equal(expected.Select(e => $"{e.Id} {e.FirstAgent} {e.FirstResponder} {e.LastAgent}").Order(StringComparer.Ordinal),
            attribution.Order(StringComparer.Ordinal));

        // Response times per day and responder: counts and medians recomputed from the messages' own timestamps.
        var times = expected.Where(e => e.FirstResponseMs is not null)
            .GroupBy(e => (Day: DateTimeOffset.FromUnixTimeMilliseconds(e.StartTs).UtcDateTime.Date, e.FirstResponder))
            .Select(g => $"{g.Key.Day:yyyy-MM-dd} {g.Key.FirstResponder} {g.Count()} {Median(g.Select(e => e.FirstResponseMs!.Value / 1000m)).ToString("F3", CultureInfo.InvariantCulture)}");
        Assert.Equal(times.Order(StringComparer.Ordinal), (await RowsAsync(analyst,
                "SELECT to_char(day, 'YYYY-MM-DD'), agent_id, conversations, to_char(median_first_response_seconds, 'FM999999990.000') FROM readmodel.response_times_by_agent_day"))
            .Order(StringComparer.Ordinal));

        var transfers = truth.Conversations.SelectMany(ExpectedFacts.Transfers).Select(t => $"{t.ConversationId} {t.FromAgent} {t.ToAgent} {t.At}");
        Assert.Equal(transfers.Order(StringComparer.Ordinal), (await RowsAsync(analyst,
                "SELECT conversation_id, from_agent_id, to_agent_id, (extract(epoch FROM at) * 1000)::bigint FROM readmodel.transfers"))
            .Order(StringComparer.Ordinal));

        var responses = expected.SelectMany(e => e.Csat.Select(r => $"{e.Id} {e.LastAgent} {r.Source} {r.QuestionId} {r.QuestionText} {r.Answer} {r.Score} {r.At}"));
        Assert.Equal(responses.Order(StringComparer.Ordinal), (await RowsAsync(analyst,
                """
                SELECT conversation_id, agent_id, source, question_id, question_text, answer_text, score, (extract(epoch FROM answered_at) * 1000)::bigint
                FROM readmodel.csat_responses
                """))
            .Order(StringComparer.Ordinal));

        var byWeek = expected.SelectMany(e => e.Csat.Where(r => r.Score is >= 1 and <= 5).Select(r => (e.LastAgent, r)))
            .GroupBy(x => (Week: Monday(x.r.At), x.LastAgent))
            .Select(g => $"{g.Key.Week:yyyy-MM-dd} {g.Key.LastAgent} {g.Count()} {g.Average(x => x.r.Score!.Value).ToString("F2", CultureInfo.InvariantCulture)} " +
                         $"{g.Count(x => x.r.Source == "legacy")} {g.Count(x => x.r.Source == "survey")}");
        Assert.Equal(byWeek.Order(StringComparer.Ordinal), (await RowsAsync(analyst,
                "SELECT to_char(week, 'YYYY-MM-DD'), agent_id, responses, to_char(average_rate, 'FM990.00'), legacy_responses, survey_responses FROM readmodel.csat_by_agent_week"))
            .Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_sql_block_of_the_analytics_guide_runs_as_the_login_it_names_and_returns_rows()
    {
        var blocks = AnalyticsGuide.SqlBlocks();
        Assert.True(blocks.Count >= 15, $"{blocks.Count} blocks");
        var conversation = archive.Truth.Conversations.First(c => c.Dialogs.Count > 1).ConversationId;
        await using var analyst = await archive.AnalystAsync();
        await using var compliance = await archive.ComplianceAsync();
        var failures = new List<string>();
        var ran = 0;
        foreach (var (role, sql, line) in blocks.Where(b => b.Role != "admin"))
        {
            foreach (var statement in sql.Split(';').Select(s => s.Trim()).Where(s => s.Length > 0))
            {
                ran++;
                await using var command = (role == "compliance" ? compliance : analyst).CreateCommand(statement.Replace("'…'", $"'{conversation}'", StringComparison.Ordinal));
                try
                {
                    await using var reader = await command.ExecuteReaderAsync();
                    if (!await reader.ReadAsync())
                        failures.Add($"docs/analytics.md:{line} returned no row: {Shorten(statement)}");
                }
                catch (PostgresException e)
                {
                    failures.Add($"docs/analytics.md:{line} failed as {role} ({e.SqlState} {e.MessageText}): {Shorten(statement)}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(ran >= blocks.Count(b => b.Role != "admin"), $"{ran} statements");
    }

    [Fact]
    public async Task Every_documented_column_exists_and_every_column_is_documented()
    {
        var documented = AnalyticsGuide.DocumentedColumns();
        await using var analyst = await archive.AnalystAsync();
        var actual = (await RowsAsync(analyst,
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'readmodel'"))
            .Select(r => r.Split(' ')).GroupBy(r => r[0]).ToDictionary(g => g.Key, g => g.Select(r => r[1]).ToHashSet(StringComparer.Ordinal));

        var differences = new List<string>();
        foreach (var (table, columns) in actual)
        {
            if (!documented.TryGetValue(table, out var described))
            {
                differences.Add($"readmodel.{table} has no section in docs/analytics.md");
                continue;
            }
            differences.AddRange(columns.Except(described).Select(c => $"readmodel.{table}.{c} is not documented"));
            differences.AddRange(described.Except(columns).Select(c => $"docs/analytics.md documents readmodel.{table}.{c}, which does not exist"));
        }
        differences.AddRange(documented.Keys.Except(actual.Keys).Select(t => $"docs/analytics.md documents readmodel.{t}, which does not exist"));
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    // ---- the ground truth's answers -------------------------------------------------------------------------------

    private sealed record CsatAnswer(string Source, string? QuestionId, string? QuestionText, string Answer, decimal? Score, long At);

    private sealed record Expected(string Id, long StartTs, string? FirstAgent, string? FirstResponder, string? LastAgent, long? FirstResponseMs, List<CsatAnswer> Csat);

    private static Expected Expect(TrueConversation conversation)
    {
        var versions = conversation.States.Select(TrueState.Read).ToList();
        var assigned = versions.Select(v => v.Participants.FirstOrDefault(p => p.Role == "ASSIGNED_AGENT")?.Id).ToList();
        var main = conversation.Dialogs.Single(d => d.DialogId == conversation.ConversationId).Events.Where(IsMessage).ToList();
        var firstConsumer = main.FirstOrDefault(e => Role(e) == "CONSUMER");
        var firstReply = firstConsumer.ValueKind == JsonValueKind.Undefined
            ? default
            : main.FirstOrDefault(e => Role(e) is "ASSIGNED_AGENT" or "MANAGER" or "READER" or "AGENT" && Ts(e) >= Ts(firstConsumer));

        var csat = new List<CsatAnswer>();
        // Legacy: the latest CSAT, at the version that first carried it.
        if (versions.LastOrDefault(v => v.Csat is not null)?.Csat is { } final)
        {
            var first = versions.Select((v, i) => (v, i)).Last(x => x.v.Csat == final && (x.i == 0 || versions[x.i - 1].Csat != final)).v;
            csat.Add(new CsatAnswer("legacy", null, null, final.Rate!.Value.ToString(CultureInfo.InvariantCulture), final.Rate, first.LastUpdateTs!.Value));
        }
        // Survey: consumer messages answering a question, the question being the last non-consumer message before them.
        foreach (var dialog in conversation.Dialogs.Where(d => d.DialogId != conversation.ConversationId))
        {
            var messages = dialog.Events.Where(IsMessage).ToList();
            foreach (var answer in messages.Where(e => Role(e) == "CONSUMER" && Answer(e) is not null))
            {
                var question = messages.Last(m => Role(m) != "CONSUMER" && m.GetProperty("sequence").GetInt64() < answer.GetProperty("sequence").GetInt64());
                var text = answer.GetProperty("event").GetProperty("message").GetString()!;
                csat.Add(new CsatAnswer("survey", Answer(answer)!.Value.GetProperty("questionId").GetString(),
                    question.GetProperty("event").GetProperty("message").GetString(), text,
                    decimal.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var score) ? score : null, Ts(answer)));
            }
        }
        return new Expected(conversation.ConversationId, versions[0].StartTs!.Value, assigned.FirstOrDefault(a => a is not null),
            firstReply.ValueKind == JsonValueKind.Undefined ? null : firstReply.GetProperty("originatorId").GetString(),
            assigned.LastOrDefault(a => a is not null),
            firstReply.ValueKind == JsonValueKind.Undefined ? null : Ts(firstReply) - Ts(firstConsumer), csat);
    }

    private static bool IsMessage(JsonElement change) => change.GetProperty("event").GetProperty("type").GetString() is "ContentEvent" or "RichContentEvent";

    private static string? Role(JsonElement change) => change.GetProperty("originatorMetadata").GetProperty("role").GetString();

    private static long Ts(JsonElement change) => change.GetProperty("serverTimestamp").GetInt64();

    private static JsonElement? Answer(JsonElement change) =>
        change.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Array
            ? metadata.EnumerateArray().Cast<JsonElement?>().FirstOrDefault(m => m!.Value.GetProperty("type").GetString() == "Answer")
            : null;

    /// <summary>percentile_cont(0.5): the middle value, or the mean of the two middle ones.</summary>
    private static decimal Median(IEnumerable<decimal> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static DateTime Monday(long ms)
    {
        var day = DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.Date;
        return day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
    }

    private static async Task<List<string>> RowsAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join(' ', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        return rows;
    }

    private static string Shorten(string sql) => Regex.Replace(sql, @"\s+", " ") is var one && one.Length > 160 ? one[..160] + "…" : one;

    /// <summary>The demo scenario (transfers, legacy CSAT, survey answers), archived once for the class; the logins analysts and compliance use.</summary>
    public sealed class ScenarioArchive : IAsyncLifetime
    {
        private EndToEndRun _run = null!;
        private string _analyst = "";
        private string _compliance = "";

        public GroundTruth Truth { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _run = await EndToEndRun.StartAsync(2, new SimulatorSettings { Seed = 33 }, modes: ["Unauthenticated", "Authenticated"]);
            _run.StartWorker();
            await _run.ConsumersConnectedAsync();
            await _run.PostAsync("/control/scenario", new { conversationsPerConsumer = 6, paceMs = 0 });
            await _run.EverythingArchivedAsync(TimeSpan.FromMinutes(1));
            await _run.Worker!.StopAsync(TimeSpan.FromSeconds(30));
            Truth = await _run.GroundTruthAsync();
            _analyst = await _run.CreateLoginAsync("analyst");
            _compliance = await _run.CreateLoginAsync("compliance");
        }

        /// <summary>An analyst's connection, in UTC (the views bucket days and weeks in the session's zone).</summary>
        public Task<NpgsqlDataSource> AnalystAsync() => Task.FromResult(Utc(_analyst));

        public Task<NpgsqlDataSource> ComplianceAsync() => Task.FromResult(Utc(_compliance));

        private static NpgsqlDataSource Utc(string connectionString) =>
            NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" }.ConnectionString);

        public async Task DisposeAsync() => await _run.DisposeAsync();
    }
}
