namespace Archiver.Worker.Sessions.Identity;

/// <summary>The tokens of one consumer identity. A secret: never logged, never in an exception message.</summary>
public sealed record IdentitySecrets(string? Jwt, string? ExternalToken)
{
    public override string ToString() => "IdentitySecrets { *** }";
}

/// <summary>Where identities are kept across restarts and shared among workers (Coordination keeps them in the archive database).</summary>
public interface IIdentityVault
{
    Task<IdentitySecrets?> LoadAsync(string consumerName, string mode, CancellationToken cancellationToken);

    Task SaveAsync(string consumerName, string mode, string? consumerId, IdentitySecrets secrets, CancellationToken cancellationToken);
}
