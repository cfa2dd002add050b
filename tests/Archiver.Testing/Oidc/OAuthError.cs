using Microsoft.AspNetCore.Http;

namespace Archiver.Testing.Oidc;

/// <summary>
/// Error answers of the back-channel endpoints (RFC 6749 section 5.2): a JSON body with <c>error</c> and
/// <c>error_description</c>, never cached. <c>invalid_client</c> is a 401 that names the Basic scheme.
/// </summary>
internal static class OAuthError
{
    public static IResult Json(HttpContext context, string error, string description, int status = StatusCodes.Status400BadRequest)
    {
        NoStore(context);
        if (status == StatusCodes.Status401Unauthorized && error == "invalid_client")
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"oidc\"";
        return Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status);
    }

    /// <summary>Token responses carry credentials, so no cache may keep them (RFC 6749 section 5.1).</summary>
    public static void NoStore(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
    }
}
