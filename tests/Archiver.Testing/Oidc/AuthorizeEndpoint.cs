using Microsoft.AspNetCore.Http;

namespace Archiver.Testing.Oidc;

/// <summary>
/// <c>GET|POST /authorize</c>: the authorization code flow's front channel, strict where a real provider is strict
/// (registered client and exact redirect URI, <c>response_type=code</c>, PKCE with S256, <c>state</c> and
/// <c>nonce</c> required) so a client that gets it wrong fails here too. There is no login form: the test chose the
/// user beforehand (<see cref="OidcProvider.NextUser"/>, or a configured user named by <c>login_hint</c>).
/// </summary>
internal static class AuthorizeEndpoint
{
    public static async Task<IResult> HandleAsync(OidcProviderState state, HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        var p = await OidcParameters.ReadAsync(context.Request);

        // Until the client and its redirect URI are trusted, errors are shown here: redirecting to an unchecked URI
        // would make the provider an open redirector (RFC 6749 section 4.1.2.1).
        var client = state.FindClient(p["client_id"]);
        if (client is null)
            return Refuse("invalid_request", $"unknown client_id '{p["client_id"]}'");
        var redirectUri = p["redirect_uri"];
        if (redirectUri is null || !client.RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
            return Refuse("invalid_request", $"redirect_uri '{redirectUri}' is not registered for client '{client.ClientId}'");

        var responseMode = p["response_mode"] ?? "query";
        var response = new AuthorizationResponse(redirectUri, responseMode == "form_post", p["state"]);
        if (p.Duplicate is { } duplicate)
            return response.Error("invalid_request", $"{duplicate} was given more than once");
        if (responseMode is not ("query" or "form_post"))
            return response.Error("invalid_request", $"response_mode '{responseMode}' is not supported (query, form_post)");
        if (p["response_type"] != "code")
            return response.Error("unsupported_response_type", "only response_type=code (the authorization code flow) is supported");
        var scope = p["scope"] ?? "";
        if (!scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("openid"))
            return response.Error("invalid_scope", "scope must include openid");
        if (p["code_challenge"] is not { } challenge)
            return response.Error("invalid_request", "code_challenge is required (PKCE)");
        if (p["code_challenge_method"] != "S256")
            return response.Error("invalid_request", "code_challenge_method must be S256");
        if (!Pkce.IsWellFormedS256Challenge(challenge))
            return response.Error("invalid_request", "code_challenge is not a base64url SHA-256 digest");
        if (p["state"] is null)
            return response.Error("invalid_request", "state is required");
        if (p["nonce"] is not { } nonce)
            return response.Error("invalid_request", "nonce is required");

        var user = state.ChooseUser(p["login_hint"]);
        if (user is null)
            return response.Error("access_denied", "no user to sign in: the test set no NextUser and login_hint names no configured user");

        var now = state.Now;
        var code = state.IssueCode(new AuthorizationCode(
            client.ClientId, redirectUri, challenge, nonce, scope, user, now, now + state.Options.CodeLifetime));
        return response.Code(code);
    }

    private static IResult Refuse(string error, string description) =>
        Results.Text($"{error}: {description}\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
}
