using System.Net;
using System.Text.Json;
using Archiver.Oidc.Tests.Harness;
using Archiver.Testing.Oidc;

namespace Archiver.Oidc.Tests;

/// <summary>
/// The point of the provider: ASP.NET Core's own cookie and OpenID Connect handlers, in a real app on loopback, sign
/// a user in through it and out again, with a cookie-keeping HttpClient doing what the browser does.
/// </summary>
public sealed class AspNetCoreSignInTests
{
    [Fact]
    public async Task Aspnetcore_openid_connect_handler_signs_the_next_user_in_with_code_and_pkce()
    {
        await using var provider = await OidcProvider.StartAsync(new OidcProviderOptions());
        await using var app = await ConsoleApp.StartAsync(provider.Authority);
        provider.RegisterClient(app.Registration);
        provider.NextUser = new OidcUser("alice", new Dictionary<string, string[]>
        {
            ["groups"] = ["archive-investigators"],
            ["name"] = ["Alice"],
        });
        using var browser = new Browser();

        // Anonymous: the app challenges, the browser lands on the provider's auto-submitting form_post page.
        var formPage = await browser.GetAsync(new Uri(app.BaseAddress, "me"));
        Assert.Equal(HttpStatusCode.OK, formPage.Status);
        Assert.Equal(provider.Authority.AbsoluteUri + "authorize", formPage.Url.GetLeftPart(UriPartial.Path));
        Assert.Contains("document.forms[0].submit()", formPage.Body, StringComparison.Ordinal);
        var form = AutoSubmitForm.Parse(formPage.Body);
        Assert.Equal(new Uri(app.BaseAddress, "signin-oidc"), form.Action);

        // The script's POST: the handler redeems the code, validates the id_token, reads userinfo, sets its cookie
        // and sends the browser back to /me.
        var mePage = await browser.SubmitAsync(form);

        Assert.Equal(HttpStatusCode.OK, mePage.Status);
        Assert.Equal(new Uri(app.BaseAddress, "me"), mePage.Url);
        var me = JsonDocument.Parse(mePage.Body).RootElement;
        Assert.Equal("Alice", me.GetProperty("name").GetString());
        Assert.Equal(["archive-investigators"], me.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.True(me.GetProperty("investigator").GetBoolean());

        // What the handler spoke, as the provider saw it.
        var authorize = provider.Requests.Single(r => r.Path == "/authorize");
        Assert.Equal("code", authorize["response_type"]);
        Assert.Equal("form_post", authorize["response_mode"]);
        Assert.Equal("S256", authorize["code_challenge_method"]);
        Assert.NotNull(authorize["code_challenge"]);
        Assert.NotNull(authorize["nonce"]);
        var token = provider.Requests.Single(r => r.Path == "/token");
        Assert.Equal(200, token.StatusCode);
        Assert.Equal("authorization_code", token["grant_type"]);
        Assert.NotNull(token["code_verifier"]);
        var userInfo = provider.Requests.Single(r => r.Path == "/userinfo");
        Assert.Equal(200, userInfo.StatusCode);
        Assert.Equal("Bearer", userInfo["authorization"]);

        // Signed in: the next visit goes straight to /me.
        var again = await browser.GetAsync(new Uri(app.BaseAddress, "me"));
        Assert.Equal(new Uri(app.BaseAddress, "me"), again.Url);
        Assert.Single(provider.Requests, r => r.Path == "/authorize");
    }

    [Fact]
    public async Task Aspnetcore_sign_out_goes_through_the_end_session_endpoint_and_back()
    {
        await using var provider = await OidcProvider.StartAsync(new OidcProviderOptions { Users = [TestUsers.Bob], NextUser = TestUsers.Bob });
        await using var app = await ConsoleApp.StartAsync(provider.Authority);
        provider.RegisterClient(app.Registration);
        using var browser = new Browser();
        var me = await browser.SubmitAsync(AutoSubmitForm.Parse((await browser.GetAsync(new Uri(app.BaseAddress, "me"))).Body));
        Assert.Equal(["archive-admins", "archive-investigators"],
            JsonDocument.Parse(me.Body).RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));

        var signedOut = await browser.GetAsync(new Uri(app.BaseAddress, "signout"));

        Assert.Equal(new Uri(app.BaseAddress, "signed-out"), signedOut.Url);
        Assert.Equal("signed out of the console", signedOut.Body);
        var logout = provider.Requests.Single(r => r.Path == "/logout");
        Assert.Equal(302, logout.StatusCode);
        Assert.Equal(new Uri(app.BaseAddress, "signout-callback-oidc").AbsoluteUri, logout["post_logout_redirect_uri"]);
        Assert.NotNull(logout["id_token_hint"]);
        // The app's cookie is gone: /me challenges again.
        var challenged = await browser.GetAsync(new Uri(app.BaseAddress, "me"));
        Assert.Equal(provider.Authority.AbsoluteUri + "authorize", challenged.Url.GetLeftPart(UriPartial.Path));
    }
}
