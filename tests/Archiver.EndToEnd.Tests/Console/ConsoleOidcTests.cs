using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Archiver.Testing.Oidc;
using Microsoft.Playwright;

namespace Archiver.EndToEnd.Tests.ReviewerConsole;

/// <summary>
/// Signing in to the console with OpenID Connect in a real browser, through the loopback provider: the authorization
/// code flow with PKCE (S256), the provider's groups claim mapped to the console's roles, and signing out at both.
/// </summary>
public sealed class ConsoleOidcTests(SmallConsoleSite site) : IClassFixture<SmallConsoleSite>
{
    [Fact]
    public async Task An_organisation_user_signs_in_with_code_and_pkce_is_an_investigator_by_group_and_signs_out_at_the_provider()
    {
        site.Oidc.NextUser = new OidcUser("alice", new Dictionary<string, string[]>
        {
            ["name"] = ["Alice Organisation"],
            ["groups"] = [ConsoleSite.InvestigatorsGroup, "unrelated-group"],
        });
        var before = site.Oidc.Requests.Count;
        await using var alice = await site.AnonymousAsync();
        var page = alice.Page;

        // Asked to sign in, she takes the organisation's way: to the provider and back (its form_post page submits itself).
        await page.GotoAsync("search");
        await page.WaitForURLAsync(site.Url("signin"));
        await ConsoleSite.ScreenshotAsync(page, "signin-organisation-or-local");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with your organisation" }).ClickAsync();
        await page.WaitForURLAsync(site.Url("search"));
        await Assertions.Expect(page.Locator("header.top")).ToContainTextAsync("Alice Organisation (investigator)");
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link)).ToHaveTextAsync(["Search"]);

        // What the console's handler spoke, as the provider saw it: code flow, PKCE with S256, the verifier that hashes to the challenge.
        var requests = site.Oidc.Requests.Skip(before).ToList();
        var authorize = Assert.Single(requests, r => r.Path == "/authorize");
        Assert.Equal(ConsoleSite.ClientId, authorize["client_id"]);
        Assert.Equal("code", authorize["response_type"]);
        Assert.Equal("S256", authorize["code_challenge_method"]);
        Assert.Equal($"{site.BaseUri.AbsoluteUri}signin-oidc", authorize["redirect_uri"]);
        var token = Assert.Single(requests, r => r.Path == "/token");
        Assert.Equal(200, token.StatusCode);
        Assert.Equal("authorization_code", token["grant_type"]);
        var verifier = token["code_verifier"];
        Assert.False(string.IsNullOrEmpty(verifier));
        Assert.Equal(authorize["code_challenge"], Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier!))));
        Assert.Contains(requests, r => r.Path == "/userinfo" && r.StatusCode == 200);

        // As an investigator: she reads what was said and may export.
        var conversation = site.Truth.First(c => c.Texts.Any());
        await ConsolePages.SearchAsync(page, site, new Dictionary<string, string> { ["Consumer id"] = conversation.ConsumerId });
        await Assertions.Expect(page.GetByLabel($"Export conversation {conversation.Id}", new() { Exact = true })).ToBeVisibleAsync();
        await ConsolePages.OpenConversationAsync(page, conversation.Id);
        await Assertions.Expect(page.Locator(".badge.masked")).ToHaveTextAsync("clear text");
        await ConsoleReviewTests.AssertTranscriptAsync(page, conversation);
        await ConsoleSite.ScreenshotAsync(page, "conversation-oidc-investigator");

        // Sign out: the console's session ends, and the provider's end-session endpoint sends her back to the sign-in page.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(site.Url("signin"));
        var logout = Assert.Single(site.Oidc.Requests.Skip(before), r => r.Path == "/logout");
        Assert.Equal(302, logout.StatusCode);
        Assert.Equal($"{site.BaseUri.AbsoluteUri}signout-callback-oidc", logout["post_logout_redirect_uri"]);
        Assert.NotNull(logout["id_token_hint"]);
        await page.GotoAsync($"conversations/{conversation.Id}");
        await page.WaitForURLAsync(site.Url("signin"));

        // The trail: her sign-in through the provider with her roles, her view, her sign-out.
        var audit = await site.AuditAsync();
        Assert.Contains(audit, r => r.User == "Alice Organisation" && r.Roles == "investigator" && r.Action == "sign-in"
            && r.Detail.Contains("\"with\": \"oidc\"", StringComparison.Ordinal));
        Assert.Contains(audit, r => r.User == "Alice Organisation" && r.Action == "view" && r.ConversationId == conversation.Id);
        Assert.Contains(audit, r => r.User == "Alice Organisation" && r.Action == "sign-out");
        alice.AssertNoProblems();

        // Nothing secret in the console's output: not the client secret, not the code verifier, not a password.
        foreach (var secret in new[] { site.ClientSecret, verifier!, site.Reviewer.Password, site.Investigator.Password, site.Supervisor.Password })
            Assert.DoesNotContain(site.Console.Output, line => line.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Groups_map_to_roles_a_reviewer_by_group_reads_masked_and_a_user_of_no_mapped_group_is_refused()
    {
        site.Oidc.NextUser = new OidcUser("bob", new Dictionary<string, string[]> { ["name"] = ["Bob Organisation"], ["groups"] = [ConsoleSite.ReviewersGroup] });
        await using (var bob = await site.AnonymousAsync())
        {
            await bob.Page.GotoAsync("signin/oidc");
            await bob.Page.WaitForURLAsync(site.Url("search"));
            await Assertions.Expect(bob.Page.Locator("header.top")).ToContainTextAsync("Bob Organisation (reviewer)");
            var personal = site.Truth.First(c => c.Scenario.Any(m => m.Pii.Count > 0));
            await ConsolePages.OpenConversationAsync(bob.Page, personal.Id);
            await Assertions.Expect(bob.Page.Locator(".badge.masked")).ToHaveTextAsync("personal data masked");
            var text = await bob.Page.Locator("main").TextContentAsync();
            foreach (var pii in personal.Scenario.SelectMany(m => m.Pii))
                Assert.DoesNotContain(pii.Value, text, StringComparison.Ordinal);
            bob.AssertNoProblems();
        }

        // Signed in by the provider, but in no group the console maps: no role, so every page refuses.
        site.Oidc.NextUser = new OidcUser("mallory", new Dictionary<string, string[]> { ["name"] = ["Mallory Outsider"], ["groups"] = ["everyone"] });
        await using var mallory = await site.AnonymousAsync();
        await mallory.Page.GotoAsync("signin/oidc");
        await mallory.Page.WaitForURLAsync(site.Url("denied"));
        await Assertions.Expect(mallory.Page.Locator("main")).ToContainTextAsync("Your roles (none) do not allow this.");
        var response = await mallory.Page.GotoAsync($"conversations/{site.Truth[0].Id}");
        Assert.Equal(200, response!.Status);
        await mallory.Page.WaitForURLAsync(site.Url("denied"));
        Assert.DoesNotContain(await site.AuditAsync(), r => r.User == "Mallory Outsider" && r.Action == "view");
        mallory.AssertNoProblems();
    }
}
