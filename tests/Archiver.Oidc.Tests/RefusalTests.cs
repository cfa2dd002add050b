using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Archiver.Oidc.Tests.Harness;
using Archiver.Testing.Oidc;
using Microsoft.Extensions.Time.Testing;

namespace Archiver.Oidc.Tests;

/// <summary>
/// The provider refuses what a real one refuses, so a client that gets the protocol wrong fails in tests and not
/// first in production.
/// </summary>
public sealed class RefusalTests
{
    [Fact]
    public async Task Wrong_code_verifier_is_refused_and_burns_the_code()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var pkce = PkcePair.New();
        var code = await client.CodeAsync(pkce);

        var (status, error) = await client.TokenAsync(HandClient.TokenParameters(code, PkcePair.New()));
        Assert.Equal(400, status);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
        Assert.Contains("code_verifier", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);

        var (retryStatus, retry) = await client.TokenAsync(HandClient.TokenParameters(code, pkce));
        Assert.Equal(400, retryStatus);
        Assert.Equal("invalid_grant", retry.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Missing_code_verifier_is_refused()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var pkce = PkcePair.New();
        var form = HandClient.TokenParameters(await client.CodeAsync(pkce), pkce);
        form.Remove("code_verifier");

        var (status, error) = await client.TokenAsync(form);

        Assert.Equal(400, status);
        Assert.Equal("invalid_request", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Code_is_single_use_and_its_reuse_revokes_the_access_token()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var pkce = PkcePair.New();
        var form = HandClient.TokenParameters(await client.CodeAsync(pkce), pkce);
        var (firstStatus, tokens) = await client.TokenAsync(form);
        Assert.Equal(200, firstStatus);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await UserInfoStatusAsync(client, accessToken));

        var (secondStatus, error) = await client.TokenAsync(form);

        Assert.Equal(400, secondStatus);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, await UserInfoStatusAsync(client, accessToken));
    }

    [Fact]
    public async Task Expired_code_is_refused()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var provider = await OidcProvider.StartAsync(new OidcProviderOptions
        {
            Clients = [HandClient.Registration],
            NextUser = TestUsers.Alice,
            TimeProvider = clock,
        });
        using var client = new HandClient(provider);
        var pkce = PkcePair.New();
        var code = await client.CodeAsync(pkce);

        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var (status, error) = await client.TokenAsync(HandClient.TokenParameters(code, pkce));

        Assert.Equal(400, status);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
        Assert.Contains("expired", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_request_with_another_redirect_uri_than_the_code_was_issued_for_is_refused()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var pkce = PkcePair.New();
        var form = HandClient.TokenParameters(await client.CodeAsync(pkce), pkce);
        form["redirect_uri"] = "https://app.example.test/elsewhere";

        var (status, error) = await client.TokenAsync(form);

        Assert.Equal(400, status);
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("post")]
    [InlineData("basic")]
    public async Task Wrong_client_secret_is_refused_with_401_invalid_client(string method)
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var pkce = PkcePair.New();
        var form = HandClient.TokenParameters(await client.CodeAsync(pkce), pkce);
        AuthenticationHeaderValue? basic = null;
        if (method == "basic")
        {
            form.Remove("client_id");
            form.Remove("client_secret");
            basic = HandClient.Basic(HandClient.ClientId, "not-the-secret");
        }
        else
        {
            form["client_secret"] = "not-the-secret";
        }

        var (status, error) = await client.TokenAsync(form, basic);

        Assert.Equal(401, status);
        Assert.Equal("invalid_client", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Unknown_client_is_refused_on_the_page_without_a_redirect()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var request = HandClient.AuthorizeParameters(PkcePair.New());
        request["client_id"] = "nobody";

        using var response = await client.AuthorizeAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("client_id", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example.test/callback")]
    [InlineData("https://app.example.test/callback/")]
    [InlineData(null)]
    public async Task Unregistered_redirect_uri_is_refused_on_the_page_without_a_redirect(string? redirectUri)
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var request = HandClient.AuthorizeParameters(PkcePair.New());
        request["redirect_uri"] = redirectUri;

        using var response = await client.AuthorizeAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("redirect_uri", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("code_challenge", null, "invalid_request")]
    [InlineData("code_challenge_method", null, "invalid_request")]
    [InlineData("code_challenge_method", "plain", "invalid_request")]
    [InlineData("code_challenge", "too-short", "invalid_request")]
    [InlineData("response_type", "token", "unsupported_response_type")]
    [InlineData("response_type", "code id_token", "unsupported_response_type")]
    [InlineData("response_mode", "fragment", "invalid_request")]
    [InlineData("scope", "profile", "invalid_scope")]
    [InlineData("nonce", null, "invalid_request")]
    [InlineData("state", null, "invalid_request")]
    public async Task Bad_authorization_request_is_answered_at_the_redirect_uri_with_an_error(string parameter, string? value, string expected)
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var request = HandClient.AuthorizeParameters(PkcePair.New());
        request[parameter] = value;

        var redirect = await client.AuthorizeRedirectAsync(request);

        Assert.Equal(expected, redirect["error"]);
        Assert.False(redirect.ContainsKey("code"));
        Assert.Equal(request["state"], redirect.GetValueOrDefault("state"));
    }

    [Fact]
    public async Task Without_a_user_to_sign_in_the_answer_is_access_denied()
    {
        await using var provider = await OidcProvider.StartAsync(new OidcProviderOptions { Clients = [HandClient.Registration] });
        using var client = new HandClient(provider);

        var redirect = await client.AuthorizeRedirectAsync(HandClient.AuthorizeParameters(PkcePair.New()));

        Assert.Equal("access_denied", redirect["error"]);
    }

    [Fact]
    public async Task Userinfo_without_a_valid_bearer_token_is_refused()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);

        Assert.Equal(HttpStatusCode.Unauthorized, await UserInfoStatusAsync(client, "made-up"));
        using var anonymous = await client.Http.GetAsync("userinfo");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("invalid_token", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> UserInfoStatusAsync(HandClient client, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await client.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static Task<OidcProvider> StartAsync() => OidcProvider.StartAsync(new OidcProviderOptions
    {
        Clients = [HandClient.Registration],
        NextUser = TestUsers.Alice,
    });
}
