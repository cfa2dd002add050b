using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Archiver.EndToEnd.Tests.ReviewerConsole;

/// <summary>
/// Every page of the console, as the role that uses it sees it: each form control labelled, no serious or critical
/// accessibility violation (axe-core), nothing refused by the page's own Content-Security-Policy, a screenshot kept in
/// the test artifacts (TestResults/artifacts/console); and the keyboard alone gets everywhere, the skip link first.
/// </summary>
public sealed class ConsoleAccessibilityTests(SmallConsoleSite site) : IClassFixture<SmallConsoleSite>
{
    [Fact]
    public async Task Every_page_has_labelled_controls_no_serious_axe_violation_and_is_kept_as_a_screenshot()
    {
        var conversation = site.Truth.Where(c => c.Scenario.Any(m => m.Pii.Count > 0)).OrderByDescending(c => c.Messages.Count).First();
        var checkedPages = new List<string>();
        var problems = new List<string>();

        await using (var anonymous = await site.AnonymousAsync())
        {
            await anonymous.Page.GotoAsync("signin");
            await CheckAsync(anonymous, "signin", checkedPages, problems);
        }
        await using (var reviewer = await site.SignInAsync(site.Reviewer))
        {
            await CheckAsync(reviewer, "search-empty", checkedPages, problems);
            await ConsolePages.SearchAsync(reviewer.Page, site, new Dictionary<string, string> { ["Consumer id"] = conversation.ConsumerId });
            await CheckAsync(reviewer, "search-reviewer", checkedPages, problems);
            await ConsolePages.OpenConversationAsync(reviewer.Page, conversation.Id);
            await CheckAsync(reviewer, "conversation-reviewer", checkedPages, problems);
            await reviewer.Page.GotoAsync("holds");
            await reviewer.Page.WaitForURLAsync(site.Url("denied"));
            await CheckAsync(reviewer, "denied-reviewer", checkedPages, problems);
        }
        await using (var investigator = await site.SignInAsync(site.Investigator))
        {
            await ConsolePages.SearchAsync(investigator.Page, site, new Dictionary<string, string> { ["Consumer id"] = conversation.ConsumerId });
            await CheckAsync(investigator, "search-investigator", checkedPages, problems);
            await ConsolePages.OpenConversationAsync(investigator.Page, conversation.Id);
            await CheckAsync(investigator, "conversation-investigator-page", checkedPages, problems);
            // Export with nothing ticked: the export page says what to do.
            await ConsolePages.SearchAsync(investigator.Page, site, new Dictionary<string, string> { ["Consumer id"] = conversation.ConsumerId });
            await investigator.Page.GetByRole(AriaRole.Button, new() { Name = "Export", Exact = true }).ClickAsync();
            await investigator.Page.WaitForURLAsync(site.Url("export"));
            await Assertions.Expect(investigator.Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Select the conversations to export first.");
            await CheckAsync(investigator, "export-nothing-selected", checkedPages, problems);
        }
        await using (var supervisor = await site.SignInAsync(site.Supervisor))
        {
            await supervisor.Page.GotoAsync("holds");
            await CheckAsync(supervisor, "holds", checkedPages, problems);
            await supervisor.Page.GotoAsync("audit");
            await Assertions.Expect(supervisor.Page.Locator("tr.audit-row").First).ToBeVisibleAsync();
            await CheckAsync(supervisor, "audit", checkedPages, problems);
        }
        Assert.Equal(10, checkedPages.Count);
        Assert.True(problems.Count == 0, $"{problems.Count} problem(s):\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task Tab_from_the_top_reaches_the_skip_link_first_then_every_control_in_order()
    {
        await using var supervisor = await site.SignInAsync(site.Supervisor);
        var page = supervisor.Page;

        // The search page, named control by control: skip link, the header, then the search form's fields in reading order.
        await page.GotoAsync("search");
        var order = await ConsolePages.TabOrderAsync(page);
        string[] header = ["a:Skip to content", "a:Search", "a:Legal holds", "a:Audit trail", "button:Sign out"];
        Assert.Equal([.. header, "#q", "#consumer", "#agent", "#from", "#to", "#skill", "#state", "#csat", "#close", "#sort", "#run"], order);

        // The skip link takes the keyboard past the header: the next Tab is the first field of the page.
        await page.GotoAsync("search");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("a:Skip to content", await ConsolePages.FocusedAsync(page));
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("#main", await ConsolePages.FocusedAsync(page));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("#q", await ConsolePages.FocusedAsync(page));

        // The search run from the keyboard: type in a field, Enter submits the form.
        var conversation = site.Truth[0];
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("#consumer", await ConsolePages.FocusedAsync(page));
        await page.Keyboard.TypeAsync(conversation.ConsumerId);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(site.Url("search"));
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = conversation.Id, Exact = true })).ToBeVisibleAsync();

        // Every other page: the skip link first, then every link and control in document order, each reached once. (The
        // results' address is taken without the #main the skip link left on it, which a GET form keeps: that would start
        // the tab order inside main.)
        foreach (var path in new[] { page.Url.Split('#')[0], $"{site.BaseUri}conversations/{conversation.Id}", $"{site.BaseUri}holds", $"{site.BaseUri}audit" })
        {
            await page.GotoAsync(path);
            var tabbed = await ConsolePages.TabOrderAsync(page);
            var focusable = (await ConsolePages.FocusableAsync(page)).Where(f => f != "#main").ToList();
            Assert.Equal("a:Skip to content", tabbed[0]);
            Assert.Equal(focusable, tabbed);
        }
        supervisor.AssertNoProblems();
    }

    [Fact]
    public async Task The_sign_in_form_is_completed_and_submitted_with_the_keyboard_alone()
    {
        await using var session = await site.AnonymousAsync();
        var page = session.Page;
        await page.GotoAsync("signin");

        // Tab order of the sign-in page: the skip link, the organisation's sign-in, then the form.
        Assert.Equal(["a:Skip to content", "a:Sign in with your organisation", "#name", "#password", "button:Sign in"], await ConsolePages.TabOrderAsync(page));

        await page.GotoAsync("signin");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("#name", await ConsolePages.FocusedAsync(page));
        await page.Keyboard.TypeAsync(site.Investigator.Name);
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("#password", await ConsolePages.FocusedAsync(page));
        await page.Keyboard.TypeAsync(site.Investigator.Password);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(site.Url("search"));
        await Assertions.Expect(page.Locator("header.top")).ToContainTextAsync($"{site.Investigator.Name} (investigator)");

        // And out again from the keyboard: Tab to "Sign out", Enter.
        var order = await ConsolePages.TabOrderAsync(page);
        await page.GotoAsync("search");
        for (var i = 0; i <= order.IndexOf("button:Sign out"); i++)
            await page.Keyboard.PressAsync("Tab");
        Assert.Equal("button:Sign out", await ConsolePages.FocusedAsync(page));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(site.Url("signin"));
        await page.GotoAsync("search");
        await page.WaitForURLAsync(site.Url("signin"));
        session.AssertNoProblems();
    }

    /// <summary>
    /// The page as it is now: a screenshot kept, then every control labelled, every button named by its text, axe clean of
    /// serious and critical violations, no CSP refusal. What is wrong is added to <paramref name="problems"/> (every page
    /// is checked, and the test names them all).
    /// </summary>
    private static async Task CheckAsync(BrowserSession session, string name, List<string> checkedPages, List<string> problems)
    {
        var page = session.Page;
        await page.WaitForLoadStateAsync(LoadState.Load);
        await ConsoleSite.ScreenshotAsync(page, name);
        checkedPages.Add(name);
        void Problem(string what) => problems.Add($"{name} ({new Uri(page.Url).PathAndQuery}): {what}");

        if (!(await page.TitleAsync()).EndsWith(" · Archiver", StringComparison.Ordinal))
            Problem($"title '{await page.TitleAsync()}'");
        foreach (var control in await ConsolePages.UnlabelledControlsAsync(page))
            Problem($"{control} has no label");
        // A button is found (by assistive technology, and by Playwright) under the name it shows.
        foreach (var text in (await page.Locator("button").AllTextContentsAsync()).Select(t => t.Trim()).Distinct())
        {
            if (await page.GetByRole(AriaRole.Button, new() { Name = text, Exact = true }).CountAsync() == 0)
                Problem($"the button '{text}' is not named '{text}' (an associated <label> names it otherwise)");
        }
        var axe = await page.RunAxe();
        foreach (var violation in axe.Violations.Where(v => v.Impact is "serious" or "critical"))
            Problem($"axe {violation.Id} ({violation.Impact}): {violation.Help} at {string.Join(", ", violation.Nodes.Select(n => n.Html))}");
        while (session.Problems.TryDequeue(out var reported))
            Problem($"the browser reported: {reported}");
    }
}
