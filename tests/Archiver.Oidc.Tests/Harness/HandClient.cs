using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Archiver.Testing.Oidc;
using Microsoft.AspNetCore.WebUtilities;

namespace Archiver.Oidc.Tests.Harness;

/// <summary>
/// A relying party written by hand with HttpClient (no redirects followed, no proxy), so each step of the code flow
/// can be looked at and each rule of the provider broken on purpose.
/// </summary>
internal sealed class HandClient : IDisposable
{
    public const string ClientId = "by-hand";
    public const string ClientSecret = "by-hand-secret";
    public const string RedirectUri = "https://app.example.test/callback";

    private readonly HttpClient _http;

    public HandClient(OidcProvider provider)
    {
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false })
        {
            BaseAddress = provider.Authority,
        };
    }

    public static OidcClient Registration { get; } = new(ClientId, ClientSecret, [RedirectUri]);

    public HttpClient Http => _http;

    /// <summary>A valid authorization request (query response mode), which a test may then spoil.</summary>
    public static Dictionary<string, string?> AuthorizeParameters(PkcePair pkce) => new()
    {
        ["client_id"] = ClientId,
        ["redirect_uri"] = RedirectUri,
        ["response_type"] = "code",
        ["response_mode"] = "query",
        ["scope"] = "openid profile",
        ["state"] = "state-" + Guid.NewGuid().ToString("N"),
        ["nonce"] = "nonce-" + Guid.NewGuid().ToString("N"),
        ["code_challenge"] = pkce.Challenge,
        ["code_challenge_method"] = "S256",
    };

    /// <summary>A valid token request for a code (client_secret_post), which a test may then spoil.</summary>
    public static Dictionary<string, string> TokenParameters(string code, PkcePair pkce) => new()
    {
        ["grant_type"] = "authorization_code",
        ["code"] = code,
        ["redirect_uri"] = RedirectUri,
        ["code_verifier"] = pkce.Verifier,
        ["client_id"] = ClientId,
        ["client_secret"] = ClientSecret,
    };

    public Task<HttpResponseMessage> AuthorizeAsync(Dictionary<string, string?> parameters) =>
        _http.GetAsync(QueryHelpers.AddQueryString("authorize", parameters));

    /// <summary>Authorizes and returns the parameters the provider redirected back with (code, state or error).</summary>
    public async Task<Dictionary<string, string>> AuthorizeRedirectAsync(Dictionary<string, string?> parameters)
    {
        using var response = await AuthorizeAsync(parameters);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(RedirectUri + "?", location.AbsoluteUri, StringComparison.Ordinal);
        return QueryHelpers.ParseQuery(location.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    /// <summary>A fresh code for a valid request with these PKCE values.</summary>
    public async Task<string> CodeAsync(PkcePair pkce) => (await AuthorizeRedirectAsync(AuthorizeParameters(pkce)))["code"];

    public async Task<(int Status, JsonElement Body)> TokenAsync(Dictionary<string, string> form, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = authorization;
        using var response = await _http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return ((int)response.StatusCode, body);
    }

    /// <summary>client_secret_basic: id and secret form-url-encoded, joined by a colon, base64 (RFC 6749 2.3.1).</summary>
    public static AuthenticationHeaderValue Basic(string clientId, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(secret))));

    public void Dispose() => _http.Dispose();
}
