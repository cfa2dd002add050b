using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace Archiver.Testing.Oidc;

/// <summary>
/// <c>GET|POST /userinfo</c> (OpenID Connect Core section 5.3): the signed-in user's <c>sub</c> and claims for a valid
/// Bearer access token, which is how ASP.NET Core's handler fills in claims when <c>GetClaimsFromUserInfoEndpoint</c>
/// is on. A missing, unknown, revoked or expired token gets a 401 naming <c>invalid_token</c> (RFC 6750).
/// </summary>
internal static class UserInfoEndpoint
{
    public static IResult Handle(OidcProviderState state, HttpContext context)
    {
        var grant = AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization.ToString(), out var header)
            && string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
            && header.Parameter is { } token
                ? state.FindAccessToken(token)
                : null;
        if (grant is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Results.StatusCode(StatusCodes.Status401Unauthorized);
        }
        var claims = UserClaims.Of(grant.User, state.Options.ArrayClaims);
        claims["sub"] = grant.User.Subject;
        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(claims);
    }
}
