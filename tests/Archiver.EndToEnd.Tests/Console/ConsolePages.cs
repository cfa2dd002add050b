using Microsoft.Playwright;

namespace Archiver.EndToEnd.Tests.ReviewerConsole;

/// <summary>What the tests read from the console's pages, and do on them, the way a person would.</summary>
public static class ConsolePages
{
    /// <summary>Fills the search form's fields by their labels and runs it (the Search button); waits for the results.</summary>
    public static async Task SearchAsync(IPage page, ConsoleSite site, IReadOnlyDictionary<string, string> byLabel)
    {
        if (!site.Url("search").IsMatch(page.Url))
            await page.GotoAsync("search");
        foreach (var (label, value) in byLabel)
        {
            var field = page.GetByLabel(label, new() { Exact = true });
            if (await field.EvaluateAsync<string>("e => e.tagName") == "SELECT")
                await field.SelectOptionAsync(value);
            else
                await field.FillAsync(value);
        }
        await SubmitButton(page, "run").ClickAsync();
        await page.WaitForURLAsync(site.Url("search"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 2 }).First).ToBeVisibleAsync();
    }

    /// <summary>
    /// A form's submit button by its id and its text. Not by its accessible name: the console's Search, Place hold and
    /// Filter buttons are named by an empty <c>&lt;label for&gt;</c> (&amp;nbsp;) that supersedes their text — the
    /// accessibility test holds that against them.
    /// </summary>
    public static ILocator SubmitButton(IPage page, string id) => page.Locator($"button#{id}[type=submit]");

    /// <summary>The conversation ids a results page links to, in its order.</summary>
    public static async Task<List<string>> ResultIdsAsync(IPage page) =>
        [.. await page.Locator("table tbody tr td a[href*='/conversations/']").AllTextContentsAsync()];

    /// <summary>Each transcript row of a conversation page: its id (m-DIALOG-SEQUENCE) and its message cell's text, in page order.</summary>
    public static async Task<List<(string Id, string Text)>> TranscriptAsync(IPage page) =>
        (await page.Locator("tr.message").EvaluateAllAsync<string[][]>(
            "rows => rows.map(r => [r.id, r.querySelector('td.text').textContent])"))
        .Select(r => (r[0], r[1])).ToList();

    /// <summary>Opens a conversation's page and waits for its transcript.</summary>
    public static async Task OpenConversationAsync(IPage page, string id)
    {
        var response = await page.GotoAsync($"conversations/{Uri.EscapeDataString(id)}");
        Assert.True(response is { Status: 200 }, $"/conversations/{id} answered {response?.Status}");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync(id);
    }

    /// <summary>Every form control (input but hidden ones, select, textarea) that has neither a &lt;label&gt; nor an aria-label: how each is named.</summary>
    public static async Task<List<string>> UnlabelledControlsAsync(IPage page) =>
        [.. await page.EvaluateAsync<string[]>(
            """
            () => [...document.querySelectorAll('input, select, textarea')]
              .filter(e => e.type !== 'hidden')
              .filter(e => !([...(e.labels ?? [])].some(l => l.textContent.trim().length > 0)
                          || (e.getAttribute('aria-label') ?? '').trim().length > 0
                          || (e.getAttribute('aria-labelledby') ?? '').trim().length > 0))
              .map(e => `${e.tagName.toLowerCase()} id=${e.id} name=${e.name}`)
            """)];

    /// <summary>How a focused element is named in the tab order: its id, else its text.</summary>
    private const string Describe =
        """
        e => !e || e === document.body ? '(body)'
           : e.id ? `#${e.id}`
           : `${e.tagName.toLowerCase()}:${(e.textContent ?? '').trim().replace(/\s+/g, ' ')}`
        """;

    /// <summary>
    /// Presses Tab from the top of a freshly loaded page until focus leaves the page (or <paramref name="limit"/> presses):
    /// the elements focused, in order. A date field takes several presses (day, month, year) on one element: counted once.
    /// </summary>
    public static async Task<List<string>> TabOrderAsync(IPage page, int limit = 150)
    {
        var order = new List<string>();
        for (var i = 0; i < limit; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await page.EvaluateAsync<string>($"() => ({Describe})(document.activeElement)");
            if (focused == "(body)")
                break;
            if (order.Count > 0 && order[^1] == focused)
                continue;
            if (order.Contains(focused))
                break; // round again
            order.Add(focused);
        }
        return order;
    }

    /// <summary>The elements a keyboard user reaches, in document order, named as <see cref="TabOrderAsync"/> names them.</summary>
    public static async Task<List<string>> FocusableAsync(IPage page) =>
        [.. await page.EvaluateAsync<string[]>(
            $$"""
            () => [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
              .filter(e => !e.disabled && e.type !== 'hidden' && e.tabIndex >= 0)
              .map({{Describe}})
            """)];

    /// <summary>The element focused now, named as <see cref="TabOrderAsync"/> names it.</summary>
    public static Task<string> FocusedAsync(IPage page) => page.EvaluateAsync<string>($"() => ({Describe})(document.activeElement)");
}
