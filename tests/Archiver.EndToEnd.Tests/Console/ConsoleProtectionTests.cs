using System.Net;
using System.Text.RegularExpressions;

namespace Archiver.EndToEnd.Tests.ReviewerConsole;

/// <summary>
/// The console's protections as HTTP sees them, below the browser: a strict Content-Security-Policy and no caching on
/// every page (a transcript must not stay in a shared machine's cache), session cookies a script cannot read, and no
/// form accepted without its anti-forgery token — a forged export is refused and leaves no export in the audit trail.
/// </summary>
public sealed partial class ConsoleProtectionTests(SmallConsoleSite site) : IClassFixture<SmallConsoleSite>
{
    [Fact]
    public async Task Every_page_forbids_scripts_framing_and_caching_and_the_session_cookie_is_http_only()
    {
        using var client = NewClient(out var cookies);
        using var signIn = await client.GetAsync("signin");
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        AssertProtected(signIn, "/signin");

        using var signedIn = await SignInAsync(client, site.Investigator);
        var session = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("archiver-console=", StringComparison.Ordinal));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", session, StringComparison.OrdinalIgnoreCase);

        var conversation = site.Truth.First(c => c.Texts.Any());
        foreach (var path in new[] { "search", $"search?consumer={conversation.ConsumerId}", $"conversations/{conversation.Id}" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertProtected(response, path);
        }
        using var transcript = await client.GetAsync($"conversations/{conversation.Id}");
        var html = await transcript.Content.ReadAsStringAsync();
        Assert.Contains(conversation.Texts.First().Text!, WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.NotEmpty(cookies.GetCookies(site.BaseUri));
    }

    [Fact]
    public async Task A_form_posted_without_its_anti_forgery_token_is_refused_and_a_forged_export_is_not_made()
    {
        // Signing in itself needs the token: a page elsewhere cannot sign someone in to the console.
        using (var stranger = NewClient(out _))
        {
            using var forged = await stranger.PostAsync("signin", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["name"] = site.Investigator.Name,
                ["password"] = site.Investigator.Password,
            }));
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            Assert.DoesNotContain("archiver-console=", string.Join(";", forged.Headers.TryGetValues("Set-Cookie", out var set) ? set : []), StringComparison.Ordinal);
        }

        // Signed in as an investigator, but the export is posted without the form's token (as another site would post it).
        using var client = NewClient(out _);
        (await SignInAsync(client, site.Investigator)).Dispose();
        var conversation = site.Truth[0];
        var exportsBefore = (await site.AuditAsync()).Count(r => r.Action == "export");
        using var export = await client.PostAsync("export", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ids"] = conversation.Id,
            ["format"] = "jsonl",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, export.StatusCode);
        Assert.NotEqual("application/zip", export.Content.Headers.ContentType?.MediaType);
        Assert.Equal(exportsBefore, (await site.AuditAsync()).Count(r => r.Action == "export"));

        // With the token from its own search page, the same request is an export.
        var token = await TokenAsync(client, $"search?consumer={conversation.ConsumerId}");
        using var real = await client.PostAsync("export", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ids"] = conversation.Id,
            ["format"] = "jsonl",
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.OK, real.StatusCode);
        Assert.Equal("application/zip", real.Content.Headers.ContentType?.MediaType);
        Assert.Equal(exportsBefore + 1, (await site.AuditAsync()).Count(r => r.Action == "export"));
    }

    private static void AssertProtected(HttpResponseMessage response, string path)
    {
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore == true, $"{path}: Cache-Control is '{response.Headers.CacheControl}'");
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    private HttpClient NewClient(out CookieContainer cookies)
    {
        cookies = new CookieContainer();
        return new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = site.BaseUri };
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient client, ConsoleUser user)
    {
        var token = await TokenAsync(client, "signin");
        var response = await client.PostAsync("signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = user.Name,
            ["password"] = user.Password,
            ["returnUrl"] = "/search",
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/search", response.Headers.Location?.OriginalString);
        return response;
    }

    /// <summary>The anti-forgery token of the first form on <paramref name="path"/>.</summary>
    private static async Task<string> TokenAsync(HttpClient client, string path)
    {
        var html = await client.GetStringAsync(path);
        var match = TokenField().Match(html);
        Assert.True(match.Success, $"{path} has no anti-forgery token");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
