using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;
using Npgsql;

namespace Archiver.EndToEnd.Tests;

/// <summary>
/// Every hostile case of the simulator's catalogue (docs/simulator.md), sent from the agent side into one conversation
/// between two plain messages, while a second conversation of the same consumer flows. The worker, run as its own
/// process and as the worker's login, stays up and connected; every hostile change is in archive.events byte for byte
/// (or, for a frame that holds no change, in archive.rejections), recorded with the expected reason and counted in
/// /metrics; and the plain messages and the whole second conversation are archived and projected.
/// </summary>
public sealed partial class HostileContentTests
{
    /// <summary>
    /// What each case must leave in archive.rejections (stage/reason), and where its change is archived. Cases that
    /// are hostile to a reader but not to the archive (markup, formulas, terminal escapes, deep but legal nesting, big
    /// numbers in fields nothing projects) are archived and projected exactly, with nothing to record: for those the
    /// transcript row must hold the text exactly.
    /// </summary>
    private static readonly Dictionary<string, string[]> Expected = new(StringComparer.Ordinal)
    {
        ["lone-high-surrogate-text"] = ["projection/text_repaired"],
        ["lone-low-surrogate-text"] = ["projection/text_repaired"],
        ["nul-text"] = ["projection/text_repaired"],
        ["nul-rich-content"] = ["projection/text_repaired"],
        ["huge-text"] = ["projection/text_truncated_for_search"],
        ["deep-rich-content"] = [],
        ["absurd-timestamp"] = ["mapping/timestamp_out_of_range"],
        ["negative-timestamp"] = ["mapping/timestamp_out_of_range"],
        ["fractional-timestamp"] = ["mapping/timestamp_out_of_range"],
        ["reserved-event-type"] = ["mapping/event_type_reserved"],
        ["reserved-event-type-participant"] = ["mapping/event_type_reserved"],
        ["terminal-escapes-text"] = [],
        ["csv-formula-text"] = [],
        ["html-text"] = [],
        ["huge-numbers"] = [],
        ["text-as-number"] = ["projection/unexpected_shape"],
        ["message-wrong-shape"] = ["projection/unexpected_shape"],
        ["receipt-absurd-sequences"] = ["projection/sequence_invalid"],
        ["unknown-event-type"] = ["mapping/event_type_invalid"],
        ["fractional-sequence"] = ["mapping/sequence_invalid"],
        ["negative-sequence"] = ["mapping/sequence_invalid"],
        ["huge-sequence"] = ["mapping/sequence_invalid"],
        ["string-sequence"] = ["mapping/sequence_invalid"],
        ["nul-dialog-id"] = ["mapping/dialog_id_invalid"],
        ["reserved-prefix-dialog-id"] = ["mapping/dialog_id_invalid"],
        ["overlong-dialog-id"] = ["mapping/dialog_id_invalid"],
        ["missing-dialog-id"] = ["mapping/dialog_id_invalid"],
        ["non-object-changes"] = ["mapping/change_not_object"],
        ["csat-rate-overflow"] = ["projection/number_invalid"],
        ["csat-rate-fraction"] = ["projection/number_invalid"],
        ["absurd-start-ts"] = ["projection/timestamp_out_of_range"],
        ["absurd-last-update-ts"] = ["projection/timestamp_out_of_range"],
        ["nul-participant-id"] = ["projection/text_repaired"],
        ["lone-surrogate-participant-id"] = ["projection/text_repaired"],
        ["nul-conversation-id"] = ["mapping/conversation_id_invalid"],
        ["participants-wrong-type"] = ["projection/unexpected_shape"],
        ["dialogs-wrong-type"] = ["projection/unexpected_shape"],
        ["not-json-frame"] = ["frame/frame_not_json"],
        ["too-deep-frame"] = ["frame/frame_too_deep"],
        ["top-level-array-frame"] = ["frame/frame_not_object"],
        ["binary-frame"] = ["frame/frame_binary"],
        ["empty-frame"] = ["frame/frame_not_json"],
    };

    [Fact]
    public async Task Every_hostile_case_is_archived_recorded_and_counted_while_the_worker_stays_up_and_the_rest_flows()
    {
        await using var run = await EndToEndRun.StartAsync(1, new SimulatorSettings { Seed = 11 }, modes: ["Unauthenticated"]);
        // The harness migrates as the owner and runs the worker as a member of archiver_writer only (EndToEndRun).
        var worker = run.StartWorker(e => e["Observability__Port"] = "0");
        await run.ConsumersConnectedAsync();
        using var http = new HttpClient { BaseAddress = await ObservabilityTests.ListeningOnAsync(run) };
        var consumerId = (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers"))![0]!["consumerId"]!.GetValue<string>();

        var hostile = (string)(await run.PostAsync($"/control/consumers/{consumerId}/conversations", new { }))["conversationId"]!;
        await run.PostAsync($"/control/conversations/{hostile}/accept", new { agentName = "Alice Martin" });
        var plain = (string)(await run.PostAsync($"/control/consumers/{consumerId}/conversations", new { allowSeveralOpen = true }))["conversationId"]!;
        await run.PostAsync($"/control/conversations/{plain}/accept", new { agentName = "Bob Chen" });
        await run.PostAsync($"/control/conversations/{hostile}/messages", new { @as = "agent", text = "plain before" });

        var cases = (await run.Control.GetFromJsonAsync<JsonArray>("/control/hostile-cases"))!.Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), cases.Order(StringComparer.Ordinal)); // every case, each with its expectation
        for (var i = 0; i < cases.Count; i++)
        {
            await run.PostAsync($"/control/conversations/{hostile}/hostile", new { @case = cases[i] });
            await run.PostAsync($"/control/conversations/{plain}/messages", new { @as = i % 2 == 0 ? "consumer" : "agent", text = $"flowing {i}" });
        }
        await run.PostAsync($"/control/conversations/{hostile}/messages", new { @as = "consumer", text = "plain after" });
        await run.PostAsync($"/control/conversations/{plain}/close", new { by = "CONSUMER" });
        await run.PostAsync($"/control/conversations/{hostile}/close", new { by = "AGENT" });

        // Everything the simulator emitted is archived as it went on the wire, with the facts it implies.
        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(2));
        var truth = await run.GroundTruthAsync();
        Assert.Equal(cases.Count, truth.Hostile.Select(h => h.Case).Distinct().Count());
        await Eventually.HoldsAsync(async () =>
        {
            var missing = new List<string>();
            foreach (var sent in truth.Hostile)
                missing.AddRange(await ArchivedAsync(run.Archive, sent));
            return (missing.Count == 0, string.Join(" | ", missing.Take(8)));
        }, TimeSpan.FromMinutes(1), "Every hostile change archived and recorded");

        // The worker stayed up and on its one connection: content reset nothing.
        Assert.False(worker.HasExited, run.Tail(40));
        var stats = (await run.Control.GetFromJsonAsync<JsonObject>("/control/stats"))!;
        Assert.Equal(1, stats["connections.total"]!.GetValue<long>());
        var metrics = await http.GetStringAsync("/metrics");
        Assert.DoesNotMatch(@"(?m)^archiver_sessions_reconnects_total\{[^}]*\} [1-9]", metrics);

        // Every record is counted once in /metrics, by stage and reason, and the counts equal the table.
        var recorded = await RejectionCountsAsync(run.Archive);
        var counted = RejectionsTotal().Matches(metrics).ToDictionary(
            m => $"{m.Groups["stage"].Value}/{m.Groups["reason"].Value}", m => long.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(recorded.OrderBy(r => r.Key, StringComparer.Ordinal), counted.OrderBy(c => c.Key, StringComparer.Ordinal));
        Assert.All(Expected.Values.SelectMany(v => v).Distinct(), reason => Assert.True(counted.GetValueOrDefault(reason) > 0, reason));

        // The plain messages and the whole second conversation are projected.
        Assert.Equal(["plain before", "plain after"], await TextsAsync(run.Archive, hostile, "text IN ('plain before', 'plain after')"));
        var flowing = truth.Conversations.Single(c => c.ConversationId == plain).Dialogs.Single().Events
            .Select(e => e.GetProperty("event")).Where(e => e.GetProperty("type").GetString() == "ContentEvent").Select(e => e.GetProperty("message").GetString()).ToList();
        Assert.Equal(cases.Count, flowing.Count);
        Assert.Equal(flowing, await TextsAsync(run.Archive, plain, "true"));
        Assert.Equal(0, await ArchiveComparison.CountAsync(run.Archive, "SELECT count(*) FROM archive.conflicts"));
        Assert.Equal(0, await worker.StopAsync(TimeSpan.FromSeconds(30)));
        await ScenarioArchiveTests.AssertNoSecretsLoggedAsync(run);
    }

    /// <summary>What is still missing for one hostile case: its bytes archived where they belong, and its expected records.</summary>
    private static async Task<List<string>> ArchivedAsync(NpgsqlDataSource archive, HostileSent sent)
    {
        var missing = new List<string>();
        var expected = Expected[sent.Case];
        if (sent.Kind == "frame" && sent.Case != "non-object-changes")
        {
            var bytes = sent.Bytes ?? Encoding.UTF8.GetBytes(sent.Text ?? "");
            await using var command = archive.CreateCommand("SELECT stage || '/' || reason FROM archive.rejections WHERE stage = 'frame' AND raw = $1 AND raw_size = $2");
            command.Parameters.AddWithValue(bytes);
            command.Parameters.AddWithValue((long)bytes.Length);
            var reasons = await ListAsync(command);
            if (!reasons.SequenceEqual(expected))
                missing.Add($"{sent.Case}: frame recorded as [{string.Join(", ", reasons)}], expected [{string.Join(", ", expected)}]");
            return missing;
        }

        // Where the change is: its dialog at its sequence (in band), else verbatim wherever it was filed; for the
        // frame of non-object changes, each of its changes.
        var bodies = sent.Case == "non-object-changes" ? new[] { "42", "\"x\"", "null", "true" } : [sent.Text!];
        foreach (var body in bodies)
        {
            await using var find = archive.CreateCommand(
                """
                SELECT e.stream_id, e.position, e.global_position,
                       coalesce((SELECT array_agg(r.stage || '/' || r.reason ORDER BY r.stage, r.reason) FROM archive.rejections r
                                 WHERE r.global_position = e.global_position
                                    OR r.global_position IN (SELECT f.global_position FROM archive.events f
                                                             WHERE f.stream_id = e.stream_id AND f.dedupe_key LIKE e.dedupe_key || '/%')), '{}')
                FROM archive.events e WHERE e.body::text = $1
                """);
            find.Parameters.AddWithValue(body);
            await using var reader = await find.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                missing.Add($"{sent.Case}: {Shorten(body)} is not in archive.events byte for byte");
                continue;
            }
            var (stream, position, reasons) = (reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<string[]>(3));
            if (sent.InBand && (stream != sent.DialogId || position != sent.Sequence))
                missing.Add($"{sent.Case}: archived at {stream}#{position}, sent as {sent.DialogId}#{sent.Sequence}");
            if (!sent.InBand && sent.Kind != "state" && !stream.StartsWith("unrecognised:", StringComparison.Ordinal))
                missing.Add($"{sent.Case}: an unusable key filed in {stream}");
            if (!reasons.Distinct().Order(StringComparer.Ordinal).SequenceEqual(expected.Order(StringComparer.Ordinal)))
                missing.Add($"{sent.Case}: recorded as [{string.Join(", ", reasons.Distinct())}], expected [{string.Join(", ", expected)}]");
        }
        return missing;
    }

    private static async Task<Dictionary<string, long>> RejectionCountsAsync(NpgsqlDataSource archive)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = archive.CreateCommand("SELECT stage || '/' || reason, count(*) FROM archive.rejections GROUP BY 1");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    private static async Task<List<string?>> TextsAsync(NpgsqlDataSource archive, string conversation, string condition)
    {
        await using var command = archive.CreateCommand(
            $"SELECT text FROM compliance.transcript_messages WHERE conversation_id = $1 AND {condition} ORDER BY dialog_id, sequence");
        command.Parameters.AddWithValue(conversation);
        return (await ListAsync(command)).Cast<string?>().ToList();
    }

    private static async Task<List<string>> ListAsync(NpgsqlCommand command)
    {
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            values.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
        return values;
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";

    [GeneratedRegex("""(?m)^archiver_rejections_total\{(?=[^}]*reason="(?<reason>[^"]+)")(?=[^}]*stage="(?<stage>[^"]+)")[^}]*\} (?<count>\d+)""")]
    private static partial Regex RejectionsTotal();
}
