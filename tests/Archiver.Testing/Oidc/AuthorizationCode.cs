namespace Archiver.Testing.Oidc;

/// <summary>
/// What a one-time code stands for: the token endpoint checks the client, redirect URI and PKCE challenge against it,
/// and puts the nonce, user and sign-in time in the id_token.
/// </summary>
internal sealed record AuthorizationCode(
    string ClientId,
    string RedirectUri,
    string CodeChallenge,
    string Nonce,
    string Scope,
    OidcUser User,
    DateTimeOffset AuthTime,
    DateTimeOffset ExpiresAt);
