using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Archiver.Oidc.Tests.Harness;
using Archiver.Testing.Oidc;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Archiver.Oidc.Tests;

/// <summary>The authorization code flow with PKCE done by hand, step by step, the way the specifications write it.</summary>
public sealed class CodeFlowTests
{
    [Fact]
    public async Task Code_flow_by_hand_yields_an_id_token_signed_with_the_published_key_and_userinfo()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var pkce = PkcePair.New();
        var request = HandClient.AuthorizeParameters(pkce);

        var redirect = await client.AuthorizeRedirectAsync(request);
        Assert.Equal(request["state"], redirect["state"]);
        var (status, tokens) = await client.TokenAsync(HandClient.TokenParameters(redirect["code"], pkce));

        Assert.Equal(200, status);
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.Equal(300, tokens.GetProperty("expires_in").GetInt32());
        var idToken = tokens.GetProperty("id_token").GetString()!;
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = provider.Authority.AbsoluteUri,
            ValidAudience = HandClient.ClientId,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            IssuerSigningKeys = new JsonWebKeySet(await client.Http.GetStringAsync("jwks")).GetSigningKeys(),
        });
        Assert.True(validation.IsValid, validation.Exception?.ToString());
        var token = (JsonWebToken)validation.SecurityToken;
        Assert.Equal("alice", token.Subject);
        Assert.Equal(request["nonce"], token.GetClaim("nonce").Value);
        Assert.Equal(provider.SigningKey.KeyId, token.Kid);
        Assert.True(token.ValidTo - token.IssuedAt <= TimeSpan.FromMinutes(5));
        Assert.True(token.TryGetPayloadValue<long>("auth_time", out _));
        Assert.True(token.TryGetPayloadValue<string>("at_hash", out _));
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedPayload)).RootElement;
        Assert.Equal(JsonValueKind.Array, payload.GetProperty("groups").ValueKind); // groups is always a list
        Assert.Equal(["archive-investigators"], payload.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal("Alice", payload.GetProperty("name").GetString()); // one value: a string

        using var userInfoRequest = new HttpRequestMessage(HttpMethod.Get, "userinfo");
        userInfoRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("access_token").GetString());
        using var userInfoResponse = await client.Http.SendAsync(userInfoRequest);
        Assert.Equal(HttpStatusCode.OK, userInfoResponse.StatusCode);
        var userInfo = JsonDocument.Parse(await userInfoResponse.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("alice", userInfo.GetProperty("sub").GetString());
        Assert.Equal("alice@example.test", userInfo.GetProperty("email").GetString());
        Assert.Equal(["archive-investigators"], userInfo.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
    }

    [Fact]
    public async Task Login_hint_naming_a_configured_user_signs_that_user_in()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var pkce = PkcePair.New();
        var request = HandClient.AuthorizeParameters(pkce);
        request["login_hint"] = "bob";

        var code = (await client.AuthorizeRedirectAsync(request))["code"];
        var (status, tokens) = await client.TokenAsync(HandClient.TokenParameters(code, pkce));

        Assert.Equal(200, status);
        var token = new JsonWebToken(tokens.GetProperty("id_token").GetString());
        Assert.Equal("bob", token.Subject);
    }

    [Fact]
    public async Task Next_user_can_be_changed_between_sign_ins()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        provider.NextUser = new OidcUser("carol", new Dictionary<string, string[]> { ["name"] = ["Carol"] });
        var pkce = PkcePair.New();

        var (_, tokens) = await client.TokenAsync(HandClient.TokenParameters(await client.CodeAsync(pkce), pkce));

        var token = new JsonWebToken(tokens.GetProperty("id_token").GetString());
        Assert.Equal("carol", token.Subject);
        Assert.False(token.TryGetPayloadValue<object>("groups", out _));
    }

    [Fact]
    public async Task Client_secret_basic_authenticates_the_client()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var pkce = PkcePair.New();
        var form = HandClient.TokenParameters(await client.CodeAsync(pkce), pkce);
        form.Remove("client_id");
        form.Remove("client_secret");

        var (status, tokens) = await client.TokenAsync(form, HandClient.Basic(HandClient.ClientId, HandClient.ClientSecret));

        Assert.Equal(200, status);
        Assert.True(tokens.TryGetProperty("id_token", out _));
        var recorded = provider.Requests.Single(r => r.Path == "/token");
        Assert.Equal("Basic", recorded["authorization"]);
        Assert.Null(recorded["client_secret"]);
    }

    [Fact]
    public async Task Form_post_answers_with_a_form_that_submits_itself_to_the_redirect_uri()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var request = HandClient.AuthorizeParameters(PkcePair.New());
        request["response_mode"] = "form_post";

        using var response = await client.AuthorizeAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<script>document.forms[0].submit();</script>", html, StringComparison.Ordinal);
        Assert.Contains("<noscript>", html, StringComparison.Ordinal);
        var form = AutoSubmitForm.Parse(html);
        Assert.Equal(HandClient.RedirectUri, form.Action.AbsoluteUri);
        Assert.Equal(request["state"], form.Fields["state"]);
        Assert.False(string.IsNullOrEmpty(form.Fields["code"]));
    }

    [Fact]
    public async Task Every_request_is_recorded_with_its_parameters_and_status()
    {
        await using var provider = await StartAsync();
        using var client = new HandClient(provider);
        var pkce = PkcePair.New();

        await client.TokenAsync(HandClient.TokenParameters(await client.CodeAsync(pkce), pkce));

        var authorize = provider.Requests.Single(r => r.Path == "/authorize");
        Assert.Equal("GET", authorize.Method);
        Assert.Equal(302, authorize.StatusCode);
        Assert.Equal(pkce.Challenge, authorize["code_challenge"]);
        Assert.Equal("S256", authorize["code_challenge_method"]);
        var token = provider.Requests.Single(r => r.Path == "/token");
        Assert.Equal(200, token.StatusCode);
        Assert.Equal(pkce.Verifier, token["code_verifier"]);
        Assert.Equal("(redacted)", token["client_secret"]);
    }

    private static Task<OidcProvider> StartAsync() => OidcProvider.StartAsync(new OidcProviderOptions
    {
        Clients = [HandClient.Registration],
        Users = [TestUsers.Bob],
        NextUser = TestUsers.Alice,
    });
}
