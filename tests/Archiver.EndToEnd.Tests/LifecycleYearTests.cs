using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archiver.Domain.Lifecycle;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;
using Npgsql;

namespace Archiver.EndToEnd.Tests;

/// <summary>
/// Issue 14's scenario: a simulated year of 50 conversations over three consumers (one per identity mode), archived by
/// the worker, then the compliance lifecycle as an operator runs it — two retention rules (one selecting by consumer
/// mode, one MustKeep), a legal hold on one consumer, an erasure of another — and the resulting database and
/// certificates held row by row against the simulator's ground truth, with masking checked through real logins and
/// verify clean, plain and against checkpoints taken before and after.
/// </summary>
public sealed class LifecycleYearTests
{
    private const string Request = "DSAR-2026-0042";

    [Fact]
    public async Task A_year_of_conversations_goes_through_retention_a_hold_and_an_erasure_exactly_as_the_rules_say()
    {
        await using var run = await EndToEndRun.StartAsync(3, new SimulatorSettings { Seed = 1414 });
        run.StartWorker();
        await run.ConsumersConnectedAsync();
        var consumers = (await run.Control.GetFromJsonAsync<JsonArray>("/control/consumers"))!
            .ToDictionary(c => c!["mode"]!.GetValue<string>(), c => c!["consumerId"]!.GetValue<string>());
        // Round robin over four (skills rotate over three), so every consumer has conversations on every skill.
        var year = await run.PostAsync("/control/scenario/year", new
        {
            consumers = new[] { consumers["signup"], consumers["unauthenticated"], consumers["authenticated"], consumers["unauthenticated"] },
            conversations = 50,
        });
        Assert.Equal(50, year["conversations"]!.AsArray().Count);
        await run.EverythingArchivedAsync(TimeSpan.FromMinutes(2));
        var truth = await YearAsync(run);
        Assert.Equal(50, truth.Count);

        var directory = Directory.CreateTempSubdirectory("archiver-year-").FullName;
        try
        {
            var owner = Owner(run, directory);
            Assert.Equal(0, (await ProcessRunner.ArchiverAsync(owner, "checkpoint")).ExitCode);
            await AssertMaskedForAnalystsAsync(run, truth);
            var streamsBefore = await StreamsAsync(run.Archive);

            // The rules: sales kept 90 days when archived through Signup or Authenticated consumers; support kept two years
            // and MustKeep. Collections match no rule: kept for ever.
            var now = DateTimeOffset.UtcNow;
            var signup = consumers["signup"];
            var hold = await ProcessRunner.ArchiverAsync(owner, "holds", "create", "--case", "C-2026-031", "--reason", "preservation order", "--consumer", signup);
            Assert.True(hold.ExitCode == 0, hold.StandardError);
            var plan = await ProcessRunner.ArchiverAsync(owner, "retention", "plan");
            Assert.True(plan.ExitCode == 0, plan.StandardError);
            var retention = await ProcessRunner.ArchiverAsync(owner, "retention", "run");
            Assert.True(retention.ExitCode == 0, retention.StandardError);
            var erase = await ProcessRunner.ArchiverAsync(owner, "erase", "--consumer", consumers["unauthenticated"], "--request", Request);
            Assert.Equal(3, erase.ExitCode); // support conversations are MustKeep: refused, the rest erased

            bool Due(YearConversation c) => c.SkillId == "1001" && c.EndTs.AddDays(90) <= now && c.ConsumerId != consumers["unauthenticated"];
            var disposed = truth.Where(c => Due(c) && c.ConsumerId != signup).Select(c => c.Id).ToHashSet();
            var held = truth.Where(c => Due(c) && c.ConsumerId == signup).Select(c => c.Id).ToHashSet();
            var erased = truth.Where(c => c.ConsumerId == consumers["unauthenticated"] && c.SkillId != "1002").Select(c => c.Id).ToHashSet();
            var kept = truth.Where(c => c.ConsumerId == consumers["unauthenticated"] && c.SkillId == "1002").Select(c => c.Id).ToHashSet();
            Assert.NotEmpty(disposed);
            Assert.NotEmpty(held);
            Assert.NotEmpty(erased);
            Assert.NotEmpty(kept);
            Assert.Contains($"total: {disposed.Count} conversation(s) to dispose of, {held.Count} kept by legal holds", plan.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"disposed of {disposed.Count} conversation(s); {held.Count} kept", retention.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"erased {erased.Count} conversation(s) under {Request}; {kept.Count} refused", erase.StandardOutput, StringComparison.Ordinal);

            // Row by row: what is left of each conversation is what the rules say.
            var certificates = await CertificatesAsync(run.Archive);
            Assert.Equal(disposed.Count + erased.Count, certificates.Count);
            Assert.Equal(Enumerable.Range(1, certificates.Count).Select(i => (long)i), certificates.Select(c => c.Number));
            foreach (var c in truth)
            {
                var conversations = await CountAsync(run.Archive, "SELECT count(*) FROM readmodel.conversations WHERE conversation_id = $1", c.Id);
                var messages = await CountAsync(run.Archive, "SELECT count(*) FROM readmodel.transcript_messages WHERE conversation_id = $1", c.Id);
                if (disposed.Contains(c.Id))
                {
                    Assert.Equal((0L, 0L), (conversations, messages));
                    var certificate = Assert.Single(certificates, s => s.ConversationId == c.Id);
                    Assert.Equal((CertificateStatement.Disposal, "sales-90"), (certificate.Kind, certificate.Basis["rule"]));
                    // The certificate names the streams as they were: the ground truth's events in each dialog, and the archive's heads.
                    foreach (var dialog in c.Dialogs.Where(d => d.Events > 0))
                        Assert.Equal(dialog.Events, certificate.Streams.Single(s => s.StreamId == dialog.Id).Events);
                    foreach (var stream in certificate.Streams)
                        Assert.Equal(streamsBefore[stream.StreamId], (stream.Events, stream.Position, Convert.ToHexStringLower(stream.HeadHash)));
                    Assert.Equal(0, await CountAsync(run.Archive, "SELECT count(*) FROM archive.events WHERE stream_id = ANY($1)",
                        certificate.Streams.Select(s => s.StreamId).ToArray()));
                    continue;
                }
                Assert.Equal((1L, (long)c.Messages), (conversations, messages));
                var texts = await TextsAsync(run.Archive, "compliance.transcript_messages", c.Id);
                if (erased.Contains(c.Id))
                {
                    var certificate = Assert.Single(certificates, s => s.ConversationId == c.Id);
                    Assert.Equal((CertificateStatement.Erasure, Request), (certificate.Kind, certificate.Basis["request"]));
                    Assert.All(texts.OfType<string>(), t => Assert.Equal(EventRedaction.Erased, t));
                    var bodies = await BodiesAsync(run.Archive, c);
                    foreach (var value in c.PersonalData)
                        Assert.DoesNotContain(bodies, b => b.Contains(value, StringComparison.Ordinal));
                }
                else
                {
                    // Kept (a MustKeep refusal, a hold, a rule not yet due, no rule): exactly what was said.
                    Assert.DoesNotContain(certificates, s => s.ConversationId == c.Id);
                    Assert.Equal(c.Texts, texts);
                }
            }
            Assert.Equal(kept.Count, await CountAsync(run.Archive,
                "SELECT count(*) FROM archive.events WHERE stream_id = 'admin:archive' AND type = 'ErasureRefused' AND body->>'request' = $1", Request));

            // Verify: clean, plain and against the checkpoints taken before the lifecycle and after it.
            Assert.Equal(0, (await ProcessRunner.ArchiverAsync(owner, "checkpoint")).ExitCode);
            var verify = await ProcessRunner.ArchiverAsync(owner, "verify", "--checkpoints", Path.Combine(directory, "checkpoints"),
                "--public-key", Path.Combine(directory, "public.pem"));
            Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
            var redacted = certificates.Where(s => s.Kind == CertificateStatement.Erasure).Sum(s => s.Events.Count);
            Assert.Equal(redacted, verify.StandardOutput.Split('\n').Count(l => l.StartsWith("redacted at (", StringComparison.Ordinal)));
            Assert.Contains($"{redacted} event(s) redacted and {certificates.Where(s => s.Kind == CertificateStatement.Disposal).Sum(s => s.Events.Count)} removed",
                verify.StandardOutput, StringComparison.Ordinal);
            var holds = await ProcessRunner.ArchiverAsync(owner, "holds", "list");
            Assert.Contains($"hold 1  case C-2026-031  ACTIVE  {truth.Count(c => c.ConsumerId == signup)} conversation(s) held now", holds.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Analysts read every personal value masked and every look-alike as it was; compliance reads what was said.</summary>
    private static async Task AssertMaskedForAnalystsAsync(EndToEndRun run, IReadOnlyList<YearConversation> truth)
    {
        await using var analyst = NpgsqlDataSource.Create(await run.CreateLoginAsync("analyst"));
        await using var compliance = NpgsqlDataSource.Create(await run.CreateLoginAsync("compliance"));
        foreach (var message in truth.SelectMany(c => c.Scenario))
        {
            var shown = await MessageAsync(analyst, "readmodel.transcript_messages", message.DialogId, message.Sequence);
            var original = await MessageAsync(compliance, "compliance.transcript_messages", message.DialogId, message.Sequence);
            foreach (var value in message.Pii)
            {
                Assert.DoesNotContain(value, shown, StringComparison.Ordinal);
                Assert.Contains(value, original, StringComparison.Ordinal);
            }
            foreach (var value in message.LookAlikes)
                Assert.Contains(value, shown, StringComparison.Ordinal);
        }
        var marked = truth.SelectMany(c => c.Scenario).Where(m => m.DeletionMarker).Select(m => $"{m.DialogId}/{m.Sequence}").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(marked);
        await using var command = analyst.CreateCommand("SELECT dialog_id || '/' || sequence FROM readmodel.source_deletions");
        await using var reader = await command.ExecuteReaderAsync();
        var recorded = new List<string>();
        while (await reader.ReadAsync())
            recorded.Add(reader.GetString(0));
        Assert.Equal(marked, recorded.Order(StringComparer.Ordinal));
    }

    private static Dictionary<string, string?> Owner(EndToEndRun run, string directory)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(directory, "public.pem"), key.ExportSubjectPublicKeyInfoPem());
        return new Dictionary<string, string?>
        {
            ["ConnectionStrings__Archive"] = run.ConnectionString,
            ["Integrity__SigningKeyFile"] = Path.Combine(directory, "key.pem"),
            ["Integrity__CheckpointDirectory"] = Path.Combine(directory, "checkpoints"),
            ["Retention__Rules__0__Name"] = "sales-90",
            ["Retention__Rules__0__Days"] = "90",
            ["Retention__Rules__0__Skills__0"] = "1001",
            ["Retention__Rules__0__ConsumerModes__0"] = "Signup",
            ["Retention__Rules__0__ConsumerModes__1"] = "Authenticated",
            ["Retention__Rules__1__Name"] = "support-2y",
            ["Retention__Rules__1__Days"] = "730",
            ["Retention__Rules__1__Skills__0"] = "1002",
            ["Retention__Rules__1__MustKeep"] = "true",
        };
    }

    private sealed record YearDialog(string Id, long Events);

    private sealed record YearMessage(string DialogId, long Sequence, IReadOnlyList<string> Pii, IReadOnlyList<string> LookAlikes, bool DeletionMarker);

    /// <summary>A conversation of the year as the simulator sent it: its texts in transcript order, its personal data.</summary>
    private sealed record YearConversation(
        string Id, string ConsumerId, string SkillId, DateTimeOffset EndTs, IReadOnlyList<YearDialog> Dialogs, int Messages, IReadOnlyList<string?> Texts,
        IReadOnlyList<YearMessage> Scenario)
    {
        public IEnumerable<string> PersonalData => Scenario.SelectMany(m => m.Pii);
    }

    private static async Task<List<YearConversation>> YearAsync(EndToEndRun run)
    {
        await using var stream = await run.Control.GetStreamAsync("/control/ground-truth");
        using var document = await JsonDocument.ParseAsync(stream, GroundTruth.Options);
        var year = new List<YearConversation>();
        foreach (var c in document.RootElement.GetProperty("conversations").EnumerateArray().Where(c => c.TryGetProperty("scenario", out _)))
        {
            var dialogs = c.GetProperty("dialogs").EnumerateArray().ToList();
            // Transcript order: MAIN first, then the others; by sequence within each.
            var messages = dialogs.OrderBy(d => d.GetProperty("dialogType").GetString() == "MAIN" ? 0 : 1)
                .SelectMany(d => d.GetProperty("events").EnumerateArray())
                .Where(e => e.GetProperty("event").GetProperty("type").GetString() is "ContentEvent" or "RichContentEvent")
                .ToList();
            var texts = messages.Select(e => e.GetProperty("event").TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null).ToList();
            year.Add(new YearConversation(
                c.GetProperty("conversationId").GetString()!, c.GetProperty("consumerId").GetString()!, c.GetProperty("skillId").GetString()!,
                DateTimeOffset.FromUnixTimeMilliseconds(c.GetProperty("endTs").GetInt64()),
                dialogs.Select(d => new YearDialog(d.GetProperty("dialogId").GetString()!, d.GetProperty("events").GetArrayLength())).ToList(),
                messages.Count, texts,
                c.GetProperty("scenario").GetProperty("messages").EnumerateArray().Select(m => new YearMessage(
                    m.GetProperty("dialogId").GetString()!, m.GetProperty("sequence").GetInt64(),
                    m.GetProperty("pii").EnumerateArray().Select(p => p.GetProperty("value").GetString()!).ToList(),
                    m.GetProperty("lookAlikes").EnumerateArray().Select(p => p.GetProperty("value").GetString()!).ToList(),
                    m.GetProperty("deletionMarker").GetBoolean())).ToList()));
        }
        return year;
    }

    /// <summary>A message's text, or its rich content's JSON, as a login reads it.</summary>
    private static async Task<string> MessageAsync(NpgsqlDataSource login, string table, string dialogId, long sequence)
    {
        await using var command = login.CreateCommand($"SELECT coalesce(text, '') || coalesce(rich_content::text, '') FROM {table} WHERE dialog_id = $1 AND sequence = $2");
        command.Parameters.AddWithValue(dialogId);
        command.Parameters.AddWithValue(sequence);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string?>> TextsAsync(NpgsqlDataSource archive, string table, string conversationId)
    {
        await using var command = archive.CreateCommand(
            $"SELECT m.text FROM {table} m LEFT JOIN readmodel.dialogs d USING (dialog_id) WHERE m.conversation_id = $1 " +
            "ORDER BY coalesce(d.dialog_type, 'MAIN') = 'MAIN' DESC, m.dialog_id, m.sequence");
        command.Parameters.AddWithValue(conversationId);
        await using var reader = await command.ExecuteReaderAsync();
        var texts = new List<string?>();
        while (await reader.ReadAsync())
            texts.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
        return texts;
    }

    private static async Task<List<string>> BodiesAsync(NpgsqlDataSource archive, YearConversation c)
    {
        await using var command = archive.CreateCommand("SELECT body::text FROM archive.events WHERE stream_id = ANY($1)");
        command.Parameters.AddWithValue(c.Dialogs.Select(d => d.Id).Append($"conversation:{c.Id}").ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var bodies = new List<string>();
        while (await reader.ReadAsync())
            bodies.Add(reader.GetString(0));
        return bodies;
    }

    private static async Task<Dictionary<string, (long Events, long Position, string Head)>> StreamsAsync(NpgsqlDataSource archive)
    {
        await using var command = archive.CreateCommand("SELECT stream_id, event_count, max_position, encode(head_hash, 'hex') FROM archive.streams");
        await using var reader = await command.ExecuteReaderAsync();
        var streams = new Dictionary<string, (long, long, string)>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
            streams[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3));
        return streams;
    }

    private static async Task<List<CertificateStatement>> CertificatesAsync(NpgsqlDataSource archive)
    {
        await using var command = archive.CreateCommand("SELECT statement FROM archive.certificates ORDER BY certificate_id");
        await using var reader = await command.ExecuteReaderAsync();
        var statements = new List<CertificateStatement>();
        while (await reader.ReadAsync())
            statements.Add(CertificateStatement.Parse(reader.GetString(0))!);
        return statements;
    }

    private static async Task<long> CountAsync<T>(NpgsqlDataSource archive, string sql, T parameter)
    {
        await using var command = archive.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = parameter });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
