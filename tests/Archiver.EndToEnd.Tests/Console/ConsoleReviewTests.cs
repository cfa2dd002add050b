using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archiver.Testing;
using Microsoft.Playwright;

namespace Archiver.EndToEnd.Tests.ReviewerConsole;

/// <summary>
/// Issue 15's acceptance, in a real browser against a real archive: an investigator searches, reads a conversation
/// exactly as the simulator sent it and exports a signed zip that verifies offline; a reviewer reads the same
/// personal data masked; a supervisor places and releases a legal hold and finds in the audit trail who viewed and
/// exported a conversation; nobody unsigned gets in, and a reviewer cannot export, hold or audit.
/// </summary>
public sealed class ConsoleReviewTests(ConsoleSite site) : IClassFixture<ConsoleSite>
{
    [Fact]
    public async Task An_investigator_searches_reads_a_conversation_as_said_and_exports_a_signed_zip_that_verifies()
    {
        await using var investigator = await site.SignInAsync(site.Investigator);
        var page = investigator.Page;

        // Search by consumer: exactly that consumer's conversations.
        var consumer = site.Truth.GroupBy(c => c.ConsumerId).OrderByDescending(g => g.Count()).First();
        await ConsolePages.SearchAsync(page, site, new Dictionary<string, string> { ["Consumer id"] = consumer.Key });
        Assert.Equal(consumer.Select(c => c.Id).Order(StringComparer.Ordinal), (await ConsolePages.ResultIdsAsync(page)).Order(StringComparer.Ordinal));
        var searchUrl = page.Url;

        // The conversation with most to read (several dialogs when there was a transfer or a survey), opened from the results.
        var chosen = consumer.OrderByDescending(c => c.Messages.Select(m => m.DialogId).Distinct().Count()).ThenByDescending(c => c.Texts.Count()).First();
        await page.GetByRole(AriaRole.Link, new() { Name = chosen.Id, Exact = true }).ClickAsync();
        await page.WaitForURLAsync(site.Url($"conversations/{chosen.Id}"));
        await AssertTranscriptAsync(page, chosen);
        await Assertions.Expect(page.Locator("#chain")).ToHaveTextAsync("chain verified");
        await Assertions.Expect(page.Locator(".badge.masked")).ToHaveTextAsync("clear text");
        await ConsoleSite.ScreenshotAsync(page, "conversation-investigator");

        // Back to the results: tick two conversations, JSON lines, Export: a zip download.
        await page.GotoAsync(searchUrl);
        var other = consumer.First(c => c.Id != chosen.Id);
        string[] selection = [chosen.Id, other.Id];
        foreach (var id in selection)
            await page.GetByLabel($"Export conversation {id}", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Export the selected conversations as").SelectOptionAsync("jsonl");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Export", Exact = true }).ClickAsync());
        Assert.Matches(@"^archiver-export-\d{8}T\d{6}Z\.zip$", download.SuggestedFilename);
        var zip = Path.Combine(site.NewDirectory("download"), download.SuggestedFilename);
        await download.SaveAsAsync(zip);
        var directory = site.NewDirectory("export");
        await ZipFile.ExtractToDirectoryAsync(zip, directory);

        // The manifest describes exactly the files there, byte for byte.
        using var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(directory, "manifest.json")));
        var root = manifest.RootElement;
        Assert.Equal("jsonl", root.GetProperty("format").GetString());
        Assert.Equal(selection.Order(StringComparer.Ordinal), root.GetProperty("selection").EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(2, root.GetProperty("conversations").GetInt64());
        Assert.Equal(chosen.Messages.Count + other.Messages.Count, root.GetProperty("messages").GetInt64());
        var files = root.GetProperty("files").EnumerateArray().ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(directory, file.GetProperty("name").GetString()!));
            Assert.Equal(file.GetProperty("bytes").GetInt64(), bytes.LongLength);
            Assert.Equal(file.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        Assert.Equal(files.Select(f => f.GetProperty("name").GetString()!).Append("manifest.json").Append("manifest.sig").Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // What the file holds: the two conversations, every text message as it was said.
        var lines = (await File.ReadAllLinesAsync(Path.Combine(directory, "conversations.jsonl"))).Where(l => l.Length > 0).ToList();
        Assert.Equal(2, lines.Count);
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            var id = document.RootElement.GetProperty("conversationId").GetString()!;
            var truth = Assert.Single(site.Truth, c => c.Id == id && selection.Contains(id));
            var exported = document.RootElement.GetProperty("messages").EnumerateArray()
                .Select(m => (m.GetProperty("dialogId").GetString()!, m.GetProperty("sequence").GetInt64(), m.GetProperty("text").GetString())).ToList();
            Assert.Equal(truth.Messages.Select(m => (m.DialogId, m.Sequence)), exported.Select(m => (m.Item1, m.Item2)));
            foreach (var message in truth.Texts)
                Assert.Equal(message.Text, exported.Single(m => m.Item1 == message.DialogId && m.Item2 == message.Sequence).Item3);
        }

        // Checked offline, with the checkpoint key's public half only.
        var verify = await ProcessRunner.ArchiverAsync(new Dictionary<string, string?>(), "export", "verify", directory, "--public-key", site.PublicKeyFile);
        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
        Assert.Contains("verified:", verify.StandardOutput, StringComparison.Ordinal);

        // Recorded: the search with its criteria and count, the view in clear, the export with its selection, signed.
        var audit = (await site.AuditAsync()).Where(r => r.User == site.Investigator.Name).ToList();
        Assert.Contains(audit, r => r.Action == "search" && r.Detail.Contains($"\"consumer\": \"{consumer.Key}\"", StringComparison.Ordinal)
            && r.Detail.Contains($"\"results\": {consumer.Count()}", StringComparison.Ordinal));
        Assert.Contains(audit, r => r.Action == "view" && r.ConversationId == chosen.Id && r.Detail == "{\"clear\": true}");
        Assert.Contains(audit, r => r.Action == "export" && selection.All(id => r.Detail.Contains(id, StringComparison.Ordinal))
            && r.Detail.Contains("\"signed\": true", StringComparison.Ordinal) && r.Detail.Contains("\"format\": \"jsonl\"", StringComparison.Ordinal));
        investigator.AssertNoProblems();
    }

    [Fact]
    public async Task Every_conversation_page_shows_each_message_in_order_and_every_text_exactly_as_the_simulator_sent_it()
    {
        await using var investigator = await site.SignInAsync(site.Investigator);
        foreach (var conversation in site.Truth)
        {
            await ConsolePages.OpenConversationAsync(investigator.Page, conversation.Id);
            await AssertTranscriptAsync(investigator.Page, conversation);
        }
        Assert.True(site.Truth.Sum(c => c.Texts.Count()) > site.Truth.Count, "the scenario has text messages to compare");
        investigator.AssertNoProblems();
    }

    [Fact]
    public async Task A_reviewer_reads_personal_data_masked_where_an_investigator_reads_it_as_said()
    {
        await using var reviewer = await site.SignInAsync(site.Reviewer);
        await using var investigator = await site.SignInAsync(site.Investigator);
        var withPersonalData = site.Truth.Where(c => c.Scenario.Any(m => m.Pii.Count > 0)).ToList();
        Assert.Equal(["card", "email", "iban", "phone", "ssn"],
            withPersonalData.SelectMany(c => c.Scenario).SelectMany(m => m.Pii).Select(p => p.Kind).Distinct().Order(StringComparer.Ordinal));
        var card = withPersonalData.SelectMany(c => c.Scenario).First(m => m.EventType == "ContentEvent" && m.Pii.Any(p => p.Kind == "card"));

        foreach (var conversation in withPersonalData)
        {
            await ConsolePages.OpenConversationAsync(reviewer.Page, conversation.Id);
            await Assertions.Expect(reviewer.Page.Locator(".badge.masked")).ToHaveTextAsync("personal data masked");
            var masked = (await ConsolePages.TranscriptAsync(reviewer.Page)).ToDictionary(r => r.Id, r => r.Text);
            await ConsolePages.OpenConversationAsync(investigator.Page, conversation.Id);
            await Assertions.Expect(investigator.Page.Locator(".badge.masked")).ToHaveTextAsync("clear text");
            var clear = (await ConsolePages.TranscriptAsync(investigator.Page)).ToDictionary(r => r.Id, r => r.Text);
            if (conversation.Scenario.Contains(card))
            {
                await ConsoleSite.ScreenshotAsync(reviewer.Page, "conversation-reviewer-masked");
                await ConsoleSite.ScreenshotAsync(investigator.Page, "conversation-investigator-clear");
            }

            foreach (var message in conversation.Scenario)
            {
                foreach (var pii in message.Pii)
                {
                    Assert.DoesNotContain(pii.Value, masked[message.RowId], StringComparison.Ordinal);
                    Assert.Contains($"[{pii.Kind}]", masked[message.RowId], StringComparison.Ordinal);
                    Assert.Contains(pii.Value, clear[message.RowId], StringComparison.Ordinal);
                }
                foreach (var lookAlike in message.LookAlikes)
                {
                    Assert.Contains(lookAlike.Value, masked[message.RowId], StringComparison.Ordinal);
                    Assert.Contains(lookAlike.Value, clear[message.RowId], StringComparison.Ordinal);
                }
            }
            // Nowhere on the reviewer's page: not in another message, not in the metadata.
            var page = await reviewer.Page.Locator("main").TextContentAsync();
            foreach (var pii in conversation.Scenario.SelectMany(m => m.Pii))
                Assert.DoesNotContain(pii.Value, page, StringComparison.Ordinal);
        }

        // The card number itself, row by row: "[card]" for the reviewer, the number for the investigator.
        var cardValue = card.Pii.First(p => p.Kind == "card").Value;
        var owner = site.Truth.Single(c => c.Scenario.Contains(card));
        await ConsolePages.OpenConversationAsync(reviewer.Page, owner.Id);
        var reviewerRow = reviewer.Page.Locator($"tr[id='{card.RowId}'] td.text");
        await Assertions.Expect(reviewerRow).ToContainTextAsync("[card]");
        await Assertions.Expect(reviewerRow).Not.ToContainTextAsync(cardValue);
        await ConsolePages.OpenConversationAsync(investigator.Page, owner.Id);
        await Assertions.Expect(investigator.Page.Locator($"tr[id='{card.RowId}'] td.text")).ToContainTextAsync(cardValue);

        // A reviewer's search reads masked text too: the number is not there to be found.
        await ConsolePages.SearchAsync(reviewer.Page, site, new Dictionary<string, string> { ["Consumer id"] = owner.ConsumerId, ["Words said"] = "card" });
        Assert.DoesNotContain(cardValue, await reviewer.Page.Locator("main").TextContentAsync(), StringComparison.Ordinal);
        reviewer.AssertNoProblems();
        investigator.AssertNoProblems();
    }

    [Fact]
    public async Task A_supervisor_places_a_legal_hold_that_badges_the_conversation_and_releases_it()
    {
        await using var supervisor = await site.SignInAsync(site.Supervisor);
        var page = supervisor.Page;
        var held = site.Truth.First(c => c.Scenario.Count == 0);
        var caseId = $"C-{Guid.NewGuid():N}"[..14];

        await page.GetByRole(AriaRole.Link, new() { Name = "Legal holds", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(site.Url("holds"));
        var place = page.GetByRole(AriaRole.Form, new() { Name = "Place a legal hold" });
        await place.GetByLabel("Case", new() { Exact = true }).FillAsync(caseId);
        await place.GetByLabel("Reason", new() { Exact = true }).FillAsync("preservation order for the e2e test");
        await place.GetByLabel("Conversation ids", new() { Exact = true }).FillAsync(held.Id);
        await Assertions.Expect(ConsolePages.SubmitButton(page, "place")).ToHaveTextAsync("Place hold");
        await ConsolePages.SubmitButton(page, "place").ClickAsync();
        var notice = page.GetByRole(AriaRole.Status);
        await Assertions.Expect(notice).ToContainTextAsync($"placed for case {caseId}");
        var holdId = long.Parse(Regex.Match(await notice.TextContentAsync() ?? "", @"Hold (\d+) placed").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var row = page.Locator($"tr#hold-{holdId}");
        await Assertions.Expect(row).ToContainTextAsync(caseId);
        await Assertions.Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("1"); // held now: the one conversation
        await Assertions.Expect(row.Locator("td").Nth(2)).ToContainTextAsync(held.Id); // its scope
        await ConsoleSite.ScreenshotAsync(page, "holds-active");

        // While active: the badge in the search results (on that row only) and on the conversation's page.
        await ConsolePages.SearchAsync(page, site, new Dictionary<string, string> { ["Consumer id"] = held.ConsumerId });
        var results = page.Locator("table tbody tr");
        await Assertions.Expect(results.Filter(new() { HasText = held.Id }).Locator(".badge.hold")).ToHaveTextAsync("legal hold");
        await Assertions.Expect(page.Locator("table tbody .badge.hold")).ToHaveCountAsync(1);
        await ConsolePages.OpenConversationAsync(page, held.Id);
        await Assertions.Expect(page.Locator(".badge.hold")).ToHaveTextAsync($"legal hold {holdId} · case {caseId}");

        // Released, with a reason: listed as released, and the badges are gone.
        await page.GotoAsync("holds");
        var release = page.Locator($"tr#hold-{holdId}");
        await release.GetByLabel("Why").FillAsync("case closed");
        await release.GetByRole(AriaRole.Button, new() { Name = $"Release hold {holdId}", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Hold {holdId} released.");
        await Assertions.Expect(page.Locator($"tr#hold-{holdId}").Locator("td").Nth(5)).ToContainTextAsync(new Regex(@"released \d{4}-\d\d-\d\d \d\d:\d\d by \S+: case closed"));
        await Assertions.Expect(page.Locator($"tr#hold-{holdId}").Locator("td").Nth(1)).ToContainTextAsync(caseId);
        await Assertions.Expect(page.Locator($"tr#hold-{holdId}").GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await ConsoleSite.ScreenshotAsync(page, "holds-released");
        await ConsolePages.OpenConversationAsync(page, held.Id);
        await Assertions.Expect(page.Locator(".badge.hold")).ToHaveCountAsync(0);
        await ConsolePages.SearchAsync(page, site, new Dictionary<string, string> { ["Consumer id"] = held.ConsumerId });
        Assert.Contains(held.Id, await ConsolePages.ResultIdsAsync(page));
        await Assertions.Expect(page.Locator("table tbody .badge.hold")).ToHaveCountAsync(0);

        // Recorded, with who and why.
        var audit = await site.AuditAsync();
        Assert.Contains(audit, r => r.User == site.Supervisor.Name && r.Action == "hold-create" && r.Detail.Contains(caseId, StringComparison.Ordinal));
        Assert.Contains(audit, r => r.User == site.Supervisor.Name && r.Action == "hold-release" && r.Detail.Contains("case closed", StringComparison.Ordinal));
        supervisor.AssertNoProblems();

        // The list says who placed and who released the hold: the supervisor, as signed in to the console.
        await page.GotoAsync("holds");
        await Assertions.Expect(page.Locator($"tr#hold-{holdId} td").Nth(3)).ToHaveTextAsync(new Regex($@" by {Regex.Escape(site.Supervisor.Name)}\s*$"));
        await Assertions.Expect(page.Locator($"tr#hold-{holdId} td").Nth(5)).ToContainTextAsync($" by {site.Supervisor.Name}: case closed");
    }

    [Fact]
    public async Task The_audit_trail_shows_the_supervisor_who_viewed_and_who_exported_a_conversation()
    {
        var viewed = site.Truth.Where(c => c.Texts.Any()).OrderBy(c => c.Id, StringComparer.Ordinal).Last();
        var exportedWith = site.Truth.First(c => c.Id != viewed.Id && c.ConsumerId == viewed.ConsumerId);
        await using (var investigator = await site.SignInAsync(site.Investigator))
        {
            await ConsolePages.OpenConversationAsync(investigator.Page, viewed.Id);
            await ConsolePages.SearchAsync(investigator.Page, site, new Dictionary<string, string> { ["Consumer id"] = viewed.ConsumerId });
            await investigator.Page.GetByLabel($"Export conversation {exportedWith.Id}", new() { Exact = true }).CheckAsync();
            await investigator.Page.GetByLabel($"Export conversation {viewed.Id}", new() { Exact = true }).CheckAsync();
            await investigator.Page.GetByLabel("Export the selected conversations as").SelectOptionAsync("csv");
            var download = await investigator.Page.RunAndWaitForDownloadAsync(
                () => investigator.Page.GetByRole(AriaRole.Button, new() { Name = "Export", Exact = true }).ClickAsync());
            Assert.Null(await download.FailureAsync());
        }

        await using var supervisor = await site.SignInAsync(site.Supervisor);
        var page = supervisor.Page;
        await page.GetByRole(AriaRole.Link, new() { Name = "Audit trail", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(site.Url("audit"));
        await page.GetByLabel("Conversation id (who has seen it)").FillAsync(viewed.Id);
        await ConsolePages.SubmitButton(page, "filter").ClickAsync();
        await page.WaitForURLAsync(new Regex(Regex.Escape("conversation=" + Uri.EscapeDataString(viewed.Id))));
        var rows = page.Locator("tr.audit-row");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        var cells = (await rows.EvaluateAllAsync<string[][]>("rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.textContent.trim()))")).ToList();
        await ConsoleSite.ScreenshotAsync(page, "audit-filtered");

        // Columns: #, when, user (roles), from, action, conversation, what.
        Assert.Contains(cells, c => c[2] == $"{site.Investigator.Name} investigator" && c[4] == "view" && c[5] == viewed.Id && c[6].Contains("\"clear\": true", StringComparison.Ordinal));
        // The export that held it (newest first: this test's), with its format and every conversation in it.
        bool ThisExport(string[] c) => c[4] == "export" && c[6].Contains("\"format\": \"csv\"", StringComparison.Ordinal)
            && c[6].Contains(exportedWith.Id, StringComparison.Ordinal);
        Assert.Contains(cells, ThisExport);
        var export = cells.First(ThisExport);
        Assert.Equal($"{site.Investigator.Name} investigator", export[2]);
        Assert.Contains(viewed.Id, export[6], StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", export[3]);
        // Only rows about this conversation: a view of it, an export that held it, or this very look at the trail.
        Assert.All(cells, c => Assert.True(c[5] == viewed.Id || c[6].Contains(viewed.Id, StringComparison.Ordinal), string.Join(" | ", c)));

        // Filtered by user and action, it is the same export row.
        await page.GetByLabel("Conversation id (who has seen it)").FillAsync("");
        await page.GetByLabel("User", new() { Exact = true }).FillAsync(site.Investigator.Name);
        await page.GetByLabel("Action", new() { Exact = true }).SelectOptionAsync("export");
        await ConsolePages.SubmitButton(page, "filter").ClickAsync();
        await page.WaitForURLAsync(new Regex("action=export"));
        var exports = (await rows.EvaluateAllAsync<string[][]>("rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.textContent.trim()))")).ToList();
        Assert.Contains(exports, c => c[0] == export[0]);
        Assert.All(exports, c => Assert.Equal("export", c[4]));
        supervisor.AssertNoProblems();
    }

    [Fact]
    public async Task Nobody_unsigned_gets_in_and_a_reviewer_can_neither_export_nor_open_holds_or_the_audit_trail()
    {
        await using (var anonymous = await site.AnonymousAsync())
        {
            foreach (var path in new[] { "search", "holds", "audit", $"conversations/{site.Truth[0].Id}" })
            {
                await anonymous.Page.GotoAsync(path);
                await anonymous.Page.WaitForURLAsync(site.Url("signin"));
                Assert.Equal("?ReturnUrl=/" + path, Uri.UnescapeDataString(new Uri(anonymous.Page.Url).Query));
                await Assertions.Expect(anonymous.Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
            }
            Assert.Equal(0, await anonymous.Page.Locator("main table").CountAsync());

            // A wrong password: refused, on the sign-in page, and recorded.
            await anonymous.Page.GetByLabel("User name").FillAsync(site.Reviewer.Name);
            await anonymous.Page.GetByLabel("Password").FillAsync(site.Reviewer.Password + "x");
            await anonymous.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
            await Assertions.Expect(anonymous.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("do not match");
            await anonymous.Page.GotoAsync("search");
            await anonymous.Page.WaitForURLAsync(site.Url("signin"));
        }

        await using var reviewer = await site.SignInAsync(site.Reviewer);
        var page = reviewer.Page;
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link)).ToHaveTextAsync(["Search"]);
        var conversation = site.Truth[0];
        await ConsolePages.SearchAsync(page, site, new Dictionary<string, string> { ["Consumer id"] = conversation.ConsumerId });
        Assert.Contains(conversation.Id, await ConsolePages.ResultIdsAsync(page));
        await Assertions.Expect(page.Locator("input[name=ids]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Export" })).ToHaveCountAsync(0);

        // The export asked for anyway, as a real form post with this session's anti-forgery token (the sign-out form's,
        // pointed at /export): refused by role, never answered with a file.
        await page.EvaluateAsync(
            """
            id => {
              const form = document.querySelector('header form');
              form.action = '/export';
              for (const [name, value] of [['ids', id], ['format', 'jsonl']]) {
                const input = document.createElement('input');
                input.type = 'hidden'; input.name = name; input.value = value;
                form.appendChild(input);
              }
            }
            """, conversation.Id);
        await page.Locator("header form button").ClickAsync();
        await page.WaitForURLAsync(site.Url("denied"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Not allowed");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Your roles (reviewer) do not allow this.");

        foreach (var path in new[] { "holds", "audit" })
        {
            var response = await page.GotoAsync(path);
            await page.WaitForURLAsync(site.Url("denied"));
            Assert.Equal(200, response!.Status);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Not allowed");
        }
        await ConsoleSite.ScreenshotAsync(page, "denied");

        // Still signed in and still a reviewer: the refusals did not end the session, and each was recorded.
        await page.GotoAsync("search");
        await Assertions.Expect(page.Locator("header.top")).ToContainTextAsync($"{site.Reviewer.Name} (reviewer)");
        var audit = await site.AuditAsync();
        var denied = audit.Where(r => r.User == site.Reviewer.Name && r.Action == "denied").Select(r => r.Detail).ToList();
        foreach (var path in new[] { "/export", "/holds", "/audit" })
            Assert.Contains(denied, d => d.Contains($"\"page\": \"{path}\"", StringComparison.Ordinal));
        Assert.DoesNotContain(audit, r => r.User == site.Reviewer.Name && r.Action is "export" or "audit" or "hold-create");
        Assert.Contains(audit, r => r.User == site.Reviewer.Name && r.Action == "denied" && r.Detail.Contains("wrong user name or password", StringComparison.Ordinal));
        reviewer.AssertNoProblems();
    }

    [Fact]
    public async Task The_console_does_all_this_as_a_login_that_is_only_a_member_of_archiver_console()
    {
        var (memberOf, superuser) = await site.ConsoleLoginAsync();
        Assert.Equal(["archiver_console"], memberOf);
        Assert.False(superuser);

        // It can read what reviewers and investigators see, record the trail and export signed: one of each, here.
        await using var investigator = await site.SignInAsync(site.Investigator);
        var conversation = site.Truth.First(c => c.Texts.Any());
        await ConsolePages.OpenConversationAsync(investigator.Page, conversation.Id);
        await AssertTranscriptAsync(investigator.Page, conversation);
        var audit = await site.AuditAsync();
        Assert.Contains(audit, r => r.User == site.Investigator.Name && r.Action == "view" && r.ConversationId == conversation.Id);
        Assert.Contains(audit, r => r.User == site.Investigator.Name && r.Action == "sign-in" && r.Detail.Contains("local account", StringComparison.Ordinal));
        Assert.DoesNotContain(site.Console.Output, l => l.Contains("permission denied", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The page's transcript is the ground truth's: every message row in order (MAIN dialog first, by sequence), and
    /// every plain text message's cell exactly its text.
    /// </summary>
    internal static async Task AssertTranscriptAsync(IPage page, TruthConversation conversation)
    {
        var rows = await ConsolePages.TranscriptAsync(page);
        Assert.Equal(conversation.Messages.Select(m => m.RowId), rows.Select(r => r.Id));
        var texts = rows.ToDictionary(r => r.Id, r => r.Text);
        foreach (var message in conversation.Texts)
            Assert.Equal(message.Text, texts[message.RowId]);
    }
}
