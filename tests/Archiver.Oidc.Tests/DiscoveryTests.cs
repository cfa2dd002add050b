using System.Buffers.Text;
using System.Text.Json;
using Archiver.Oidc.Tests.Harness;
using Archiver.Testing.Oidc;

namespace Archiver.Oidc.Tests;

/// <summary>What a client reads before anything else: the discovery document and the signing keys.</summary>
public sealed class DiscoveryTests
{
    [Fact]
    public async Task Provider_listens_on_loopback_on_a_port_the_system_picked()
    {
        await using var provider = await OidcProvider.StartAsync(new OidcProviderOptions());

        Assert.Equal("http", provider.Authority.Scheme);
        Assert.Equal("127.0.0.1", provider.Authority.Host);
        Assert.NotEqual(0, provider.Authority.Port);
        Assert.Equal("/", provider.Authority.AbsolutePath);
    }

    [Fact]
    public async Task Discovery_document_names_every_endpoint_and_what_the_provider_supports()
    {
        await using var provider = await OidcProvider.StartAsync(new OidcProviderOptions
        {
            Clients = [HandClient.Registration],
            Users = [TestUsers.Bob],
            NextUser = TestUsers.Alice,
        });
        using var client = new HandClient(provider);

        var document = JsonDocument.Parse(await client.Http.GetStringAsync(".well-known/openid-configuration")).RootElement;

        var issuer = provider.Authority.AbsoluteUri;
        Assert.Equal(issuer, document.GetProperty("issuer").GetString());
        Assert.Equal(issuer + "authorize", document.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(issuer + "token", document.GetProperty("token_endpoint").GetString());
        Assert.Equal(issuer + "jwks", document.GetProperty("jwks_uri").GetString());
        Assert.Equal(issuer + "userinfo", document.GetProperty("userinfo_endpoint").GetString());
        Assert.Equal(issuer + "logout", document.GetProperty("end_session_endpoint").GetString());
        Assert.Equal(["code"], Strings(document, "response_types_supported"));
        Assert.Equal(["public"], Strings(document, "subject_types_supported"));
        Assert.Equal(["RS256"], Strings(document, "id_token_signing_alg_values_supported"));
        Assert.Equal(["S256"], Strings(document, "code_challenge_methods_supported"));
        Assert.Equal(["client_secret_post", "client_secret_basic"], Strings(document, "token_endpoint_auth_methods_supported"));
        Assert.Contains("openid", Strings(document, "scopes_supported"));
        var claims = Strings(document, "claims_supported");
        foreach (var claim in new[] { "sub", "iss", "aud", "nonce", "auth_time", "groups", "name", "email" })
            Assert.Contains(claim, claims);
    }

    [Fact]
    public async Task Jwks_publishes_one_rsa_2048_signing_key_with_a_key_id()
    {
        await using var provider = await OidcProvider.StartAsync(new OidcProviderOptions());
        using var client = new HandClient(provider);

        var keys = JsonDocument.Parse(await client.Http.GetStringAsync("jwks")).RootElement.GetProperty("keys");

        var key = Assert.Single(keys.EnumerateArray());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        Assert.Equal(provider.SigningKey.KeyId, key.GetProperty("kid").GetString());
        Assert.Equal(256, Base64Url.DecodeFromChars(key.GetProperty("n").GetString()).Length);
        Assert.False(key.TryGetProperty("d", out _), "the private exponent must not be published");
    }

    private static string[] Strings(JsonElement document, string name) =>
        [.. document.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];
}
