namespace Archiver.Testing.Oidc;

/// <summary>
/// A user's claims as JSON values, the same in the id_token and at userinfo: one value as a string, several (or a
/// claim named in <see cref="OidcProviderOptions.ArrayClaims"/>) as an array. Protocol claims are left out so a test's
/// user cannot override the issuer, audience, subject, nonce or times the provider sets.
/// </summary>
internal static class UserClaims
{
    /// <summary>Claims the provider writes itself (RFC 7519 registered claims and the OpenID Connect protocol ones).</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal)
    {
        "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "nonce", "auth_time", "at_hash", "c_hash", "azp", "acr", "amr", "sid",
    };

    public static Dictionary<string, object> Of(OidcUser user, IReadOnlyCollection<string> arrayClaims)
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, values) in user.Claims)
        {
            if (Reserved.Contains(name))
                continue;
            claims[name] = values.Length == 1 && !arrayClaims.Contains(name) ? values[0] : values;
        }
        return claims;
    }
}
