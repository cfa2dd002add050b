using System.Text.Json;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;
using Npgsql;

namespace Archiver.EndToEnd.Tests;

/// <summary>
/// Issue 5's read models over a simulator scenario (both sides, receipts, transfers, legacy CSAT, a post-conversation
/// survey): each table's rows checked against the simulator's ground truth (participants row by row against the joins
/// and leaves the state versions imply, transfers by the documented query); then a rebuild from the events gives
/// tables identical, row by row, to the ones maintained live.
/// </summary>
public sealed class ReadModelTests
{
    [Fact]
    public async Task Read_models_match_the_ground_truth_and_a_rebuild_reproduces_them()
    {
        await using var run = await EndToEndRun.StartAsync(2, new SimulatorSettings { Seed = 21 }, modes: ["Unauthenticated", "Authenticated"]);
        run.StartWorker();
        await run.ConsumersConnectedAsync();
        await run.PostAsync("/control/scenario", new { conversationsPerConsumer = 6, paceMs = 0 });
        await run.EverythingArchivedAsync(TimeSpan.FromMinutes(1));
        await run.Worker!.StopAsync(TimeSpan.FromSeconds(30));
        var truth = await run.GroundTruthAsync();

        // The facts behind the read models, and readmodel.participants row by row: one row per join and leave the state
        // versions imply; the documented transfer query finds exactly the transfers the simulator performed.
        await run.AssertFactsAndParticipantsExactAsync(truth);
        Assert.NotEmpty(ParticipantsComparison.ExpectedTransfers(truth));

        foreach (var conversation in truth.Conversations)
            await CheckConversationAsync(run.Archive, conversation);
        await CheckReceiptsAsync(run.Archive, truth);
        await CheckSurveyAnswersAsync(run.Archive, truth);
        Assert.Equal(truth.Conversations.Count, await ArchiveComparison.CountAsync(run.Archive, "SELECT count(*) FROM readmodel.conversations"));

        // Transfers, as docs/analytics.md counts them: one per conversation the simulator transferred (its script transfers
        // at most once), however many observations followed the transfer.
        Assert.Equal(truth.Conversations.Count(c => Assigned(c).Distinct().Count() > 1),
            (await ParticipantsComparison.DocumentedTransfersAsync(run.Archive)).Count);

        // Agent names (docs/protocol.md §14.9): every agent who wrote in MAIN dialogs is named in the transcript view.
        var unnamed = await ArchiveComparison.CountAsync(run.Archive,
            "SELECT count(*) FROM readmodel.transcript WHERE originator_role = 'ASSIGNED_AGENT' AND agent_name IS NULL");
        Assert.Equal(0, unnamed);
        Assert.True(await ArchiveComparison.CountAsync(run.Archive,
            "SELECT count(*) FROM readmodel.transcript WHERE agent_name IN ('Alice Martin', 'Bob Chen')") > 0);

        // The search vector is written by the projection (live: its INSERT; rebuild: a second connection): both must give
        // exactly what the generated column of migration 0004 computed.
        const string wrongVectors =
            "SELECT count(*) FROM readmodel.transcript_messages WHERE search IS DISTINCT FROM to_tsvector('simple', coalesce(text, ''))";
        Assert.Equal(0, await ArchiveComparison.CountAsync(run.Archive, wrongVectors));
        Assert.True(await ArchiveComparison.CountAsync(run.Archive, "SELECT count(*) FROM readmodel.transcript_messages WHERE search <> ''::tsvector") > 0);

        var live = await SnapshotAsync(run.Archive);
        var rebuild = await ProcessRunner.ArchiverAsync(new Dictionary<string, string?> { ["ConnectionStrings__Archive"] = run.ConnectionString },
            "projections", "rebuild");
        Assert.True(rebuild.ExitCode == 0, rebuild.StandardError);
        var rebuilt = await SnapshotAsync(run.Archive);
        Assert.Equal(0, await ArchiveComparison.CountAsync(run.Archive, wrongVectors));
        Assert.Equal(live.Keys, rebuilt.Keys);
        // The scripted conversations hold no personal data and no deletion marker: those three tables stay empty here
        // (LifecycleYearTests and MaskingTests fill them, and rebuild them).
        string[] onlyWithPersonalData = ["message_originals", "survey_answer_originals", "source_deletions"];
        foreach (var (table, rows) in live)
        {
            if (!onlyWithPersonalData.Contains(table))
                Assert.NotEmpty(rows);
            Assert.Equal(rows, rebuilt[table]);
        }
    }

    private static IEnumerable<string> Assigned(TrueConversation conversation) =>
        conversation.States.SelectMany(s => Participants(s).Where(p => p.Role == "ASSIGNED_AGENT").Select(p => p.Id));

    /// <summary>Participants of a state in any of the three shapes the simulator sends.</summary>
    private static IEnumerable<(string Id, string Role)> Participants(JsonElement state)
    {
        var details = state.GetProperty("conversationDetails");
        if (details.TryGetProperty("participants", out var list) && list.ValueKind == JsonValueKind.Array)
            return list.EnumerateArray().Select(p => (p.GetProperty("id").GetString()!, p.GetProperty("role").GetString()!)).ToList();
        var map = details.TryGetProperty("participants", out var m) ? m : details.GetProperty("participantsPId");
        return map.EnumerateObject().SelectMany(role => role.Value.EnumerateArray().Select(id => (id.GetString()!, role.Name))).ToList();
    }

    private static async Task CheckConversationAsync(NpgsqlDataSource archive, TrueConversation truth)
    {
        var last = truth.States[^1].GetProperty("conversationDetails");
        await using var command = archive.CreateCommand(
            """
            SELECT consumer_id, state, stage, close_reason, start_ts, end_ts, agent_id, consumer_messages, agent_messages,
                   csat_rate, csat_resolution, csat_status, first_response_seconds
            FROM readmodel.conversations WHERE conversation_id = $1
            """);
        command.Parameters.AddWithValue(truth.ConversationId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no conversations row for {truth.ConversationId}");
        Assert.Equal(truth.ConsumerId, reader.GetString(0));
        Assert.Equal(last.GetProperty("state").GetString(), reader.GetString(1));
        Assert.Equal(last.GetProperty("stage").GetString(), reader.GetString(2));
        Assert.Equal(last.TryGetProperty("closeReason", out var reason) ? reason.GetString() : null, reader.IsDBNull(3) ? null : reader.GetString(3));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(last.GetProperty("startTs").GetInt64()), reader.GetFieldValue<DateTimeOffset>(4));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(last.GetProperty("endTs").GetInt64()), reader.GetFieldValue<DateTimeOffset>(5));
        Assert.Equal(Assigned(truth).Last(), reader.GetString(6));

        var main = truth.Dialogs.Single(d => d.DialogId == truth.ConversationId).Events
            .Where(e => e.GetProperty("event").GetProperty("type").GetString() is "ContentEvent" or "RichContentEvent").ToList();
        Assert.Equal(main.Count(e => Role(e) == "CONSUMER"), reader.GetInt32(7));
        Assert.Equal(main.Count(e => Role(e) == "ASSIGNED_AGENT"), reader.GetInt32(8));
        var firstConsumer = main.First(e => Role(e) == "CONSUMER").GetProperty("serverTimestamp").GetInt64();
        var firstAgent = main.First(e => Role(e) == "ASSIGNED_AGENT" && e.GetProperty("serverTimestamp").GetInt64() >= firstConsumer)
            .GetProperty("serverTimestamp").GetInt64();
        Assert.Equal((firstAgent - firstConsumer) / 1000m, reader.GetDecimal(12));

        if (last.TryGetProperty("csat", out var csat))
        {
            Assert.Equal(csat.GetProperty("csatRate").GetInt32(), reader.GetInt32(9));
            Assert.Equal(csat.GetProperty("csatResolutionConfirmation").GetBoolean(), reader.GetBoolean(10));
            Assert.Equal(csat.GetProperty("status").GetString(), reader.GetString(11));
        }
        else
        {
            Assert.True(reader.IsDBNull(9));
        }
    }

    private static string? Role(JsonElement change) => change.GetProperty("originatorMetadata").GetProperty("role").GetString();

    private static async Task CheckReceiptsAsync(NpgsqlDataSource archive, GroundTruth truth)
    {
        var expected = new Dictionary<(string, long, string), (long? Accepted, long? Read)>();
        foreach (var change in truth.Conversations.SelectMany(c => c.Dialogs).SelectMany(d => d.Events))
        {
            var @event = change.GetProperty("event");
            if (@event.GetProperty("type").GetString() != "AcceptStatusEvent" || @event.GetProperty("status").GetString() is not ("ACCEPT" or "READ") and var status)
                continue;
            var at = change.GetProperty("serverTimestamp").GetInt64();
            foreach (var sequence in @event.GetProperty("sequenceList").EnumerateArray())
            {
                var key = (change.GetProperty("dialogId").GetString()!, sequence.GetInt64(), change.GetProperty("originatorId").GetString()!);
                var (accepted, read) = expected.GetValueOrDefault(key);
                expected[key] = @event.GetProperty("status").GetString() == "ACCEPT" ? (Math.Min(accepted ?? at, at), read) : (accepted, Math.Min(read ?? at, at));
            }
        }
        Assert.NotEmpty(expected);
        var actual = new Dictionary<(string, long, string), (long?, long?)>();
        await using var command = archive.CreateCommand("SELECT dialog_id, sequence, participant_id, accepted_at, read_at FROM readmodel.read_receipts");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            actual[(reader.GetString(0), reader.GetInt64(1), reader.GetString(2))] = (
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3).ToUnixTimeMilliseconds(),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4).ToUnixTimeMilliseconds());
        }
        Assert.Equal(expected.OrderBy(k => k.Key.ToString()), actual.OrderBy(k => k.Key.ToString()));
    }

    private static async Task CheckSurveyAnswersAsync(NpgsqlDataSource archive, GroundTruth truth)
    {
        var expected = truth.Conversations.SelectMany(c => c.Dialogs.Where(d => d.DialogType == "POST_SURVEY").SelectMany(d => d.Events))
            .Where(e => e.GetProperty("event").GetProperty("type").GetString() == "ContentEvent" && e.GetProperty("metadata").ValueKind == JsonValueKind.Array
                        && e.GetProperty("metadata").EnumerateArray().Any(m => m.GetProperty("type").GetString() == "Answer"))
            .Select(e => $"{e.GetProperty("conversationId").GetString()}|{e.GetProperty("event").GetProperty("message").GetString()}")
            .Order().ToList();
        Assert.NotEmpty(expected);
        var actual = new List<string>();
        await using var command = archive.CreateCommand("SELECT conversation_id || '|' || answer_text FROM compliance.survey_answers");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            actual.Add(reader.GetString(0));
        Assert.Equal(expected, actual.Order().ToList());
    }

    /// <summary>Every read-model table, each row as text, in a stable order.</summary>
    private static async Task<Dictionary<string, List<string>>> SnapshotAsync(NpgsqlDataSource archive)
    {
        var tables = new List<string>();
        await using (var list = archive.CreateCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'readmodel' AND table_type = 'BASE TABLE' ORDER BY 1"))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }
        var snapshot = new Dictionary<string, List<string>>();
        foreach (var table in tables)
        {
            var rows = new List<string>();
            await using var select = archive.CreateCommand($"SELECT t::text FROM readmodel.{table} t ORDER BY 1");
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                rows.Add(reader.GetString(0));
            snapshot[table] = rows;
        }
        return snapshot;
    }
}
