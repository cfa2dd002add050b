namespace Archiver.Testing.Oidc;

/// <summary>
/// A user the test provider signs in without a login form: the subject (<c>sub</c>) and the claims released about them,
/// in the id_token and at the userinfo endpoint. A claim with one value is written as a JSON string, one with several
/// as a JSON array (claims named in <see cref="OidcProviderOptions.ArrayClaims"/>, such as <c>groups</c>, are always
/// arrays, as real providers write them). Protocol claims (<c>iss</c>, <c>aud</c>, <c>sub</c>, <c>nonce</c>, ...) in
/// <see cref="Claims"/> are ignored, so a test cannot forge them by accident.
/// </summary>
public sealed record OidcUser(string Subject, IReadOnlyDictionary<string, string[]> Claims)
{
    /// <summary>A user with a subject only.</summary>
    public OidcUser(string subject)
        : this(subject, new Dictionary<string, string[]>())
    {
    }
}
