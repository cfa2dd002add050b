namespace Archiver.Testing.Oidc;

/// <summary>What an opaque access token stands for, so the userinfo endpoint can answer for whom it was issued.</summary>
internal sealed record AccessTokenGrant(string ClientId, OidcUser User, string Scope, DateTimeOffset ExpiresAt);
