namespace Archiver.Testing.Oidc;

/// <summary>What the test provider knows when it starts: its clients, its users and who signs in next.</summary>
public sealed class OidcProviderOptions
{
    /// <summary>The registered relying parties (more can be added later with <see cref="OidcProvider.RegisterClient"/>,
    /// for an app whose port is only known once it has started).</summary>
    public IReadOnlyList<OidcClient> Clients { get; init; } = [];

    /// <summary>Users a request can name with <c>login_hint</c> (by subject).</summary>
    public IReadOnlyList<OidcUser> Users { get; init; } = [];

    /// <summary>The user signed in by <c>/authorize</c> when no <c>login_hint</c> names another; the initial value of
    /// <see cref="OidcProvider.NextUser"/>.</summary>
    public OidcUser? NextUser { get; init; }

    /// <summary>The provider's clock: code expiry, token times. A test can pass a fake one to expire codes.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long an authorization code can be redeemed (5 minutes by default).</summary>
    public TimeSpan CodeLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the id_token and the access token are valid (5 minutes by default).</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Claims written as JSON arrays even with one value, because clients parse them as lists.</summary>
    public IReadOnlyCollection<string> ArrayClaims { get; init; } = ["groups", "roles"];
}
