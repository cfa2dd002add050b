using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Archiver.EndToEnd.Tests.ReviewerConsole;

/// <summary>
/// One person at the console: a browser context of their own (cookies, downloads) and its page. What the browser
/// reports as an error on the console's pages — a Content-Security-Policy refusal, a script error — is kept in
/// <see cref="Problems"/>: the console has no script, so there should be none.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private BrowserSession(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public ConcurrentQueue<string> Problems { get; } = new();

    public static async Task<BrowserSession> OpenAsync(IBrowser browser, Uri baseUri)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUri.AbsoluteUri,
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        var page = await context.NewPageAsync();
        var session = new BrowserSession(context, page);
        page.Console += (_, message) =>
        {
            // The browser asks every new site for /favicon.ico on its own; the console has none (a 404 no page caused).
            if (message.Type == "error" && !message.Location.Contains("/favicon.ico:", StringComparison.Ordinal))
                session.Problems.Enqueue($"{page.Url}: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => session.Problems.Enqueue($"{page.Url}: {error}");
        return session;
    }

    /// <summary>Fails naming everything the browser reported as an error so far.</summary>
    public void AssertNoProblems() => Assert.True(Problems.IsEmpty, $"the browser reported:\n{string.Join("\n", Problems)}");

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
