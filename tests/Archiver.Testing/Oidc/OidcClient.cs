namespace Archiver.Testing.Oidc;

/// <summary>
/// A relying party registered with the test provider. Redirect URIs are compared as exact strings, as the
/// specification requires, so a test that registers the wrong URI fails the way a real provider would make it fail.
/// </summary>
public sealed record OidcClient(string ClientId, string ClientSecret, IReadOnlyList<string> RedirectUris)
{
    /// <summary>Where the end-session endpoint may send the browser back (e.g. <c>http://127.0.0.1:PORT/signout-callback-oidc</c>).</summary>
    public IReadOnlyList<string> PostLogoutRedirectUris { get; init; } = [];
}
