using Microsoft.AspNetCore.Http;

namespace Archiver.Worker.WebConsole;

/// <summary>
/// What every console response carries (docs/console.md, "Security"): a strict Content-Security-Policy — no script at
/// all, styles from the console only, forms posted to the console (and the identity provider, for signing out), no
/// framing — and pages never cached: a transcript must not be left in a shared machine's cache.
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next, string identityProvider)
{
    private readonly string _policy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'" + (identityProvider.Length == 0 ? "" : $" {identityProvider}") +
        "; frame-ancestors 'none'; base-uri 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = _policy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            if (!context.Request.Path.StartsWithSegments("/console.css"))
            {
                headers.CacheControl = "no-store";
                headers.Pragma = "no-cache";
            }
            return Task.CompletedTask;
        });
        return next(context);
    }
}
