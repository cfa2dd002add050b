using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Archiver.Testing.Oidc;

/// <summary>
/// <c>GET|POST /logout</c> (OpenID Connect RP-Initiated Logout 1.0). The provider keeps no session, so signing out
/// only means answering: back to <c>post_logout_redirect_uri</c> (with <c>state</c>) when that URI is registered for
/// the client, named by <c>client_id</c> or by the audience of a valid <c>id_token_hint</c> (or, when neither names
/// one, for any client); otherwise a page that says "signed out".
/// </summary>
internal static class EndSessionEndpoint
{
    private static readonly JsonWebTokenHandler Handler = new();

    public static async Task<IResult> HandleAsync(OidcProviderState state, HttpContext context)
    {
        var p = await OidcParameters.ReadAsync(context.Request);
        string? clientId = p["client_id"];
        if (p["id_token_hint"] is { } hint)
        {
            var validation = await Handler.ValidateTokenAsync(hint, new TokenValidationParameters
            {
                ValidIssuer = state.Issuer,
                ValidateAudience = false,
                ValidateLifetime = false, // an expired id_token is still a fine hint of who is signing out
                IssuerSigningKey = state.SigningKey.PublicKey,
            });
            if (!validation.IsValid)
                return Results.Text("invalid_request: id_token_hint is not a token this provider issued\n", statusCode: StatusCodes.Status400BadRequest);
            clientId ??= (validation.SecurityToken as JsonWebToken)?.Audiences.FirstOrDefault();
        }

        var candidates = clientId is null ? state.Clients : state.FindClient(clientId) is { } named ? [named] : [];
        if (p["post_logout_redirect_uri"] is { } back
            && candidates.Any(c => c.PostLogoutRedirectUris.Contains(back, StringComparer.Ordinal)))
        {
            return Results.Redirect(p["state"] is { } stateValue ? QueryHelpers.AddQueryString(back, "state", stateValue) : back);
        }
        var note = p["post_logout_redirect_uri"] is { } unregistered
            ? $"<p>Not sent back to {WebUtility.HtmlEncode(unregistered)}: that URI is not registered for the client.</p>"
            : "";
        return Results.Content($"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Signed out</title></head><body><h1>signed out</h1>{note}</body></html>\n",
            "text/html; charset=utf-8");
    }
}
