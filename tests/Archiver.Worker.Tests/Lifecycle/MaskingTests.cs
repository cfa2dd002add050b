using Archiver.Domain.Archive;
using Archiver.Domain.Masking;
using Archiver.Testing;
using Archiver.Worker.Lifecycle;
using Archiver.Worker.Projections;
using Archiver.Worker.Store;
using Archiver.Worker.Tests.Cli;
using Archiver.Worker.Tests.Store;
using Npgsql;

namespace Archiver.Worker.Tests.Lifecycle;

/// <summary>
/// Masking for analysts (issue 14), through real logins: an analyst reads card numbers, SSNs, e-mails, phones and IBANs
/// masked — in the transcript, in rich content, in survey answers, in search and exports — and a compliance officer reads
/// the originals; order numbers, tracking ids and timestamps stay readable; a rule change re-masks what was archived
/// before it and is recorded. Each test has its own database.
/// </summary>
public sealed class MaskingTests
{
    private const string Card = "My card 4111 1111 1111 1111 was charged twice for order #48213 at 2024-05-01T09:00:00Z";
    private const string CardMasked = "My card [card] was charged twice for order #48213 at 2024-05-01T09:00:00Z";
    private const string Contact = "SSN 123-45-6789, mail jane.doe@example.com, call +1 (415) 555-0132; parcel 1Z999AA10123456784";
    private const string ContactMasked = "SSN [ssn], mail [email], call [phone]; parcel 1Z999AA10123456784";
    private const string Iban = "Refund to DE89 3704 0044 0532 0130 00 please, invoice INV-2024-00017";
    private const string IbanMasked = "Refund to [iban] please, invoice INV-2024-00017";
    private const string Plain = "Order 100045678 shipped on 01/05/2024 with tracking 9400 1000 0000 0000 0000 00";
    private const string RichCard =
        """{"type":"vertical","elements":[{"type":"text","text":"Pay with 5555 5555 5555 4444"},{"type":"button","title":"Write to help@example.com","click":{"actions":[{"type":"link","name":"Track","uri":"https://example.invalid/track/48213"}]}}]}""";

    [Fact]
    public async Task An_analyst_reads_personal_data_masked_everywhere_and_a_compliance_officer_the_originals()
    {
        await using var database = new MigratedDatabase();
        await database.InitializeAsync();
        await Applier(database).ApplyAsync(MaskingRuleSet.Default, CancellationToken.None);
        var c = await ArchiveAsync(database);

        var analyst = await database.CreateLoginAsync("analyst");
        var compliance = await database.CreateLoginAsync("compliance");
        Assert.Equal([CardMasked, ContactMasked, IbanMasked, Plain, "[phone]"], await TextsAsync(analyst, "readmodel.transcript_messages", c));
        Assert.Equal([Card, Contact, Iban, Plain, "+44 20 7946 0958"], await TextsAsync(compliance, "compliance.transcript_messages", c));
        Assert.Equal([CardMasked, ContactMasked, IbanMasked, Plain, "[phone]"], await TextsAsync(analyst, "readmodel.transcript", c));
        var rich = await ScalarAsync<string>(analyst, $"SELECT rich_content::text FROM readmodel.transcript_messages WHERE rich_content IS NOT NULL AND conversation_id = '{c.Id}'");
        Assert.Contains("Pay with [card]", rich, StringComparison.Ordinal);
        Assert.Contains("Write to [email]", rich, StringComparison.Ordinal);
        Assert.Contains("https://example.invalid/track/48213", rich, StringComparison.Ordinal);
        Assert.Contains("5555 5555 5555 4444", await ScalarAsync<string>(compliance,
            $"SELECT rich_content::text FROM compliance.transcript_messages WHERE rich_content IS NOT NULL AND conversation_id = '{c.Id}'"), StringComparison.Ordinal);
        Assert.Equal("[phone]", await ScalarAsync<string>(analyst, $"SELECT answer_text FROM readmodel.survey_answers WHERE conversation_id = '{c.Id}'"));
        Assert.Equal("+44 20 7946 0958", await ScalarAsync<string>(compliance, $"SELECT answer_text FROM compliance.survey_answers WHERE conversation_id = '{c.Id}'"));
        Assert.Equal(MaskingRuleSet.Default.Id, await ScalarAsync<string>(analyst, "SELECT set_id FROM readmodel.masking_in_force"));

        // The originals are out of an analyst's reach, whichever way they are asked for.
        foreach (var sql in new[] { "SELECT * FROM readmodel.message_originals", "SELECT * FROM compliance.transcript_messages", "SELECT * FROM archive.events" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<object>(analyst, sql));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }
        // Search finds by what each may read: the card's digits for compliance only; the order number for both.
        var analystSearch = await ProcessRunner.ArchiverAsync(Login(analyst), "search", "4111");
        var complianceSearch = await ProcessRunner.ArchiverAsync(Login(compliance), "search", "4111");
        Assert.True(analystSearch.ExitCode == 0 && complianceSearch.ExitCode == 0, analystSearch.StandardError + complianceSearch.StandardError);
        Assert.DoesNotContain(c.Id, analystSearch.StandardOutput, StringComparison.Ordinal);
        Assert.StartsWith(c.Id, complianceSearch.StandardOutput, StringComparison.Ordinal);
        Assert.StartsWith(c.Id, (await ProcessRunner.ArchiverAsync(Login(analyst), "search", "48213")).StandardOutput, StringComparison.Ordinal);
        var analystTranscript = await ProcessRunner.ArchiverAsync(Login(analyst), "transcript", c.Id, "--format", "json");
        var complianceTranscript = await ProcessRunner.ArchiverAsync(Login(compliance), "transcript", c.Id, "--format", "json");
        Assert.Contains("My card [card] was charged", analystTranscript.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("4111", analystTranscript.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("4111 1111 1111 1111", complianceTranscript.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rule_change_re_masks_what_was_archived_before_it_is_recorded_and_a_rebuild_gives_the_same()
    {
        await using var database = new MigratedDatabase();
        await database.InitializeAsync();
        var applier = Applier(database);
        await applier.ApplyAsync(MaskingRuleSet.Default, CancellationToken.None);
        var c = await ArchiveAsync(database);

        // Order numbers are personal data now; e-mails are no longer masked.
        var rules = MaskingRuleSet.Create([.. MaskingRuleSet.Default.Rules.Where(r => r.Detector != MaskingDetector.Email),
            new MaskingRule("order", MaskingDetector.Regex, "#[0-9]{5}")]);
        var applied = await applier.ApplyAsync(rules, CancellationToken.None);

        Assert.True(applied.Changed);
        Assert.Equal((rules.Id, MaskingRuleSet.Default.Id), (applied.SetId, applied.PreviousSetId));
        var analyst = await database.CreateLoginAsync("analyst");
        Assert.Equal(
            ["My card [card] was charged twice for order [order] at 2024-05-01T09:00:00Z", "SSN [ssn], mail jane.doe@example.com, call [phone]; parcel 1Z999AA10123456784",
             IbanMasked, Plain, "[phone]"],
            await TextsAsync(analyst, "readmodel.transcript_messages", c));
        Assert.Equal([Card, Contact, Iban, Plain, "+44 20 7946 0958"], await TextsAsync(await database.CreateLoginAsync("compliance"), "compliance.transcript_messages", c));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM readmodel.message_originals m WHERE m.text = 'Order 100045678 shipped on 01/05/2024 with tracking 9400 1000 0000 0000 0000 00'"));
        Assert.Equal([MaskingRuleSet.Default.Id, rules.Id], await DisposalTests.ListAsync<string>(database, "SELECT set_id FROM archive.masking_rule_sets ORDER BY rule_set_id"));
        Assert.Equal(2, await database.ScalarAsync<long>($"SELECT count(*) FROM archive.events WHERE stream_id = 'admin:archive' AND type = '{ArchiveEventTypes.MaskingRulesApplied}'"));
        Assert.False((await applier.ApplyAsync(rules, CancellationToken.None)).Changed);

        // A rebuild masks with the rules in force and keeps the same originals.
        const string Rows = "SELECT m.dialog_id || '/' || m.sequence || '|' || coalesce(m.text, '-') || '|' || coalesce(o.text, '-') " +
            "FROM readmodel.transcript_messages m LEFT JOIN readmodel.message_originals o USING (dialog_id, sequence) ORDER BY 1";
        var live = await DisposalTests.ListAsync<string>(database, Rows);
        await new ProjectionRebuilder(database.DataSource, [new TranscriptProjection(), new ReadModelsProjection(), new AgentsProjection()], TimeProvider.System)
            .RebuildAsync(null, CancellationToken.None);
        Assert.Equal(live, await DisposalTests.ListAsync<string>(database, Rows));
    }

    [Fact]
    public async Task A_message_LivePerson_erased_at_the_source_is_recorded_and_left_as_it_came()
    {
        await using var database = new MigratedDatabase();
        await database.InitializeAsync();
        var c = new ScriptedConversation(ComplianceArchive.WindowFrom);
        c.Observe("OPEN", "OPEN", null, [(c.Consumer, "CONSUMER"), (c.Agent1, "ASSIGNED_AGENT")], mainOpen: true);
        c.Say(c.Id, c.Consumer, "CONSUMER", "My name is Jane");
        var erased = c.Say(c.Id, c.Consumer, "CONSUMER", Archiver.Domain.Lifecycle.SourceDeletion.Marker);
        var store = database.CreateStore(new TranscriptProjection(), new ReadModelsProjection(), new AgentsProjection());
        foreach (var step in c.Steps)
            await store.AppendAsync(step);

        Assert.Equal($"{c.Id}|{erased}|{c.Id}", await database.ScalarAsync<string>("SELECT dialog_id || '|' || sequence || '|' || conversation_id FROM readmodel.source_deletions"));
        Assert.Equal(Archiver.Domain.Lifecycle.SourceDeletion.Marker, await database.ScalarAsync<string>(
            $"SELECT text FROM readmodel.transcript_messages WHERE dialog_id = '{c.Id}' AND sequence = {erased}"));
        Assert.Equal(1, await ScalarAsync<long>(await database.CreateLoginAsync("analyst"), "SELECT count(*) FROM readmodel.source_deletions"));
    }

    [Theory]
    [InlineData("Bogus", "", "Masking__Rules__0__Detector: 'Bogus' is not a detector (Card, Ssn, Email, Phone, Iban, Regex).")]
    [InlineData("Regex", "([0-9]", "Masking__Rules: Masking rule 0 (order): Pattern is not a valid regular expression")]
    [InlineData("Regex", "", "Masking__Rules: Masking rule 0 (order)")]
    public async Task A_bad_masking_rule_is_refused_naming_it(string detector, string pattern, string message)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Archive"] = "Host=127.0.0.1;Username=nobody;Password=secret-password;Database=none",
            ["Masking__Rules__0__Name"] = "order",
            ["Masking__Rules__0__Detector"] = detector,
            ["Masking__Rules__0__Pattern"] = pattern,
        };

        var refused = await ProcessRunner.ArchiverAsync(environment, "masking", "show");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(message, refused.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", refused.StandardError, StringComparison.Ordinal);
    }

    private static MaskingApplier Applier(MigratedDatabase database) =>
        new(database.DataSource, new AdminLog(database.CreateStore(), database.DataSource, TimeProvider.System), TimeProvider.System);

    /// <summary>A conversation whose consumer writes personal data and look-alikes, with a rich card and a survey answer.</summary>
    private static async Task<ScriptedConversation> ArchiveAsync(MigratedDatabase database)
    {
        var c = new ScriptedConversation(ComplianceArchive.WindowFrom.AddHours(3));
        c.Observe("OPEN", "OPEN", null, [(c.Consumer, "CONSUMER"), (c.Agent1, "ASSIGNED_AGENT")], mainOpen: true);
        c.Say(c.Id, c.Consumer, "CONSUMER", Card);
        c.Say(c.Id, c.Consumer, "CONSUMER", Contact);
        c.Say(c.Id, c.Consumer, "CONSUMER", Iban);
        c.Say(c.Id, c.Agent1, "ASSIGNED_AGENT", Plain);
        c.Rich(c.Id, c.Agent1, "ASSIGNED_AGENT", RichCard);
        c.Observe("CLOSE", "OPEN", "CONSUMER", [(c.Consumer, "CONSUMER"), (c.Agent1, "ASSIGNED_AGENT"), (c.Bot, "AGENT")], mainOpen: false, survey: "OPEN");
        c.Say(c.Survey, c.Consumer, "CONSUMER", "+44 20 7946 0958", """[{"type":"Answer","questionId":"q1","id":"a1","provider":"AC"}]""");
        var store = database.CreateStore(new TranscriptProjection(), new ReadModelsProjection(), new AgentsProjection());
        foreach (var step in c.Steps)
            await store.AppendAsync(step);
        return c;
    }

    private static async Task<List<string?>> TextsAsync(string connectionString, string table, ScriptedConversation c)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            $"SELECT text FROM {table} WHERE conversation_id = '{c.Id}' AND text IS NOT NULL ORDER BY dialog_id = '{c.Id}' DESC, sequence");
        await using var reader = await command.ExecuteReaderAsync();
        var texts = new List<string?>();
        while (await reader.ReadAsync())
            texts.Add(reader.GetString(0));
        return texts;
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static Dictionary<string, string?> Login(string connectionString) => new() { ["ConnectionStrings__Archive"] = connectionString };
}
