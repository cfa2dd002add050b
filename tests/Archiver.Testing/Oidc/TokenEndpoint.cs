using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Archiver.Testing.Oidc;

/// <summary>
/// <c>POST /token</c>: redeems an authorization code once, for the client it was issued to, with the same redirect
/// URI and the PKCE verifier that hashes to the challenge, and answers with an opaque access token and a signed
/// id_token. Each refusal names its reason in <c>error_description</c> so a failing test says what the client got wrong.
/// </summary>
internal static class TokenEndpoint
{
    public static async Task<IResult> HandleAsync(OidcProviderState state, HttpContext context)
    {
        if (!context.Request.HasFormContentType)
            return OAuthError.Json(context, "invalid_request", "the token request must be an application/x-www-form-urlencoded POST");
        var p = await OidcParameters.ReadAsync(context.Request);
        if (p.Duplicate is { } duplicate)
            return OAuthError.Json(context, "invalid_request", $"{duplicate} was given more than once");

        var (credentials, problem) = ClientCredentials.Read(context.Request, p);
        if (credentials is null)
            return OAuthError.Json(context, "invalid_client", problem!, StatusCodes.Status401Unauthorized);
        var client = state.FindClient(credentials.ClientId);
        if (client is null || !SecretsEqual(client.ClientSecret, credentials.ClientSecret))
            return OAuthError.Json(context, "invalid_client", "unknown client or wrong client secret", StatusCodes.Status401Unauthorized);

        if (p["grant_type"] != "authorization_code")
            return OAuthError.Json(context, "unsupported_grant_type", "only grant_type=authorization_code is supported");
        if (p["code"] is not { } codeValue)
            return OAuthError.Json(context, "invalid_request", "code is required");
        if (p["redirect_uri"] is not { } redirectUri)
            return OAuthError.Json(context, "invalid_request", "redirect_uri is required");
        if (p["code_verifier"] is not { } verifier || !Pkce.IsWellFormedVerifier(verifier))
            return OAuthError.Json(context, "invalid_request", "code_verifier is required: 43 to 128 unreserved characters (PKCE)");

        var code = state.RedeemCode(codeValue);
        if (code is null)
            return OAuthError.Json(context, "invalid_grant", "unknown or already used code (a reused code revokes its tokens)");
        if (code.ExpiresAt <= state.Now)
            return OAuthError.Json(context, "invalid_grant", "the code has expired");
        if (code.ClientId != client.ClientId)
            return OAuthError.Json(context, "invalid_grant", "the code was issued to another client");
        if (code.RedirectUri != redirectUri)
            return OAuthError.Json(context, "invalid_grant", "redirect_uri differs from the authorization request's");
        if (!Pkce.Matches(verifier, code.CodeChallenge))
            return OAuthError.Json(context, "invalid_grant", "code_verifier does not match the code_challenge (S256)");

        var lifetime = state.Options.TokenLifetime;
        var accessToken = state.IssueAccessToken(codeValue, new AccessTokenGrant(client.ClientId, code.User, code.Scope, state.Now + lifetime));
        OAuthError.NoStore(context);
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = accessToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)lifetime.TotalSeconds,
            ["id_token"] = IdTokenFactory.Create(state, code, accessToken),
            ["scope"] = code.Scope,
        });
    }

    private static bool SecretsEqual(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given));
}
