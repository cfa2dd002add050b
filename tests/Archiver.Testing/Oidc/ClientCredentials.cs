using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Archiver.Testing.Oidc;

/// <summary>
/// The client's id and secret as the token endpoint received them: in an HTTP Basic header (<c>client_secret_basic</c>,
/// each half form-url-encoded first, RFC 6749 section 2.3.1) or in the form (<c>client_secret_post</c>). A client that
/// uses both, or sends a malformed header, is refused rather than guessed at.
/// </summary>
internal sealed record ClientCredentials(string ClientId, string ClientSecret, string Method)
{
    /// <summary>The credentials, or null with the reason they could not be read.</summary>
    public static (ClientCredentials? Credentials, string? Problem) Read(HttpRequest request, OidcParameters form)
    {
        var header = request.Headers.Authorization.ToString();
        if (AuthenticationHeaderValue.TryParse(header, out var authorization)
            && string.Equals(authorization.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (form["client_secret"] is not null)
                return (null, "the client authenticated twice (Basic header and client_secret in the form)");
            var decoded = TryDecode(authorization.Parameter);
            var colon = decoded?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            if (decoded is null || colon < 0)
                return (null, "malformed Basic authorization header");
            var id = FormDecode(decoded[..colon]);
            if (form["client_id"] is { } formId && formId != id)
                return (null, "client_id in the form differs from the one in the Basic header");
            return (new ClientCredentials(id, FormDecode(decoded[(colon + 1)..]), "client_secret_basic"), null);
        }
        if (form["client_id"] is { } clientId && form["client_secret"] is { } secret)
            return (new ClientCredentials(clientId, secret, "client_secret_post"), null);
        return (null, "no client authentication (client_secret_basic or client_secret_post)");
    }

    private static string? TryDecode(string? base64)
    {
        try
        {
            return base64 is null ? null : Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
}
