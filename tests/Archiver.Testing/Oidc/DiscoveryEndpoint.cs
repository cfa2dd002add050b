using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace Archiver.Testing.Oidc;

/// <summary>
/// <c>GET /.well-known/openid-configuration</c> (OpenID Connect Discovery 1.0): what a client such as ASP.NET Core's
/// handler reads first to find every other endpoint, the signing keys and what the provider supports.
/// </summary>
internal static class DiscoveryEndpoint
{
    /// <summary>The claims the provider writes itself, listed in <c>claims_supported</c> beside the users' claims.</summary>
    private static readonly string[] ProtocolClaims = ["iss", "sub", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "at_hash"];

    public static IResult Handle(OidcProviderState state)
    {
        var userClaims = state.Users.SelectMany(u => u.Claims.Keys).Where(c => !UserClaims.Reserved.Contains(c));
        var document = new Dictionary<string, object>
        {
            ["issuer"] = state.Issuer,
            ["authorization_endpoint"] = state.Endpoint("authorize"),
            ["token_endpoint"] = state.Endpoint("token"),
            ["jwks_uri"] = state.Endpoint("jwks"),
            ["userinfo_endpoint"] = state.Endpoint("userinfo"),
            ["end_session_endpoint"] = state.Endpoint("logout"),
            ["response_types_supported"] = new[] { "code" },
            ["response_modes_supported"] = new[] { "query", "form_post" },
            ["grant_types_supported"] = new[] { "authorization_code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["scopes_supported"] = new[] { "openid", "profile", "email" },
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
            ["claims_supported"] = ProtocolClaims.Concat(userClaims).Distinct(StringComparer.Ordinal).ToArray(),
        };
        return Results.Json(document);
    }
}
