using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Archiver.Worker.Sessions.Identity;

/// <summary>
/// One consumer identity in one of the three modes of docs/protocol.md §14.6: how it gets a consumer JWT, and how it
/// answers a 4401 (a fresh token is needed) or a 4407 (the identity must be extended). Tokens are persisted in the
/// vault so a restart is the same consumer; none of them is ever logged.
/// </summary>
public sealed partial class ConsumerIdentity(
    ConsumerOptions consumer, string account, IdpClient idp, IIdentityVault vault, TimeProvider timeProvider, ILogger logger)
{
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(30);
    private IdentitySecrets? _secrets;
    private bool _loaded;
    private RsaSecurityKey? _signingKey;

    public string Name => consumer.Name!;

    public IdentityMode Mode => consumer.Mode!.Value;

    /// <summary>The consumer's id (the JWT's <c>sub</c>) once a token is held.</summary>
    public string? ConsumerId { get; private set; }

    public async Task<string> GetJwtAsync(ServiceDomains domains, CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            _secrets = await vault.LoadAsync(Name, Mode.ToString(), cancellationToken);
            _loaded = true;
        }
        if (_secrets?.Jwt is { } jwt && !IsExpired(jwt))
        {
            ConsumerId = Subject(jwt);
            return jwt;
        }
        return await ObtainAsync(domains, extend: false, cancellationToken);
    }

    /// <summary>Close code 4401: a fresh token is required.</summary>
    public Task<string> RenewAsync(ServiceDomains domains, CancellationToken cancellationToken) => ObtainAsync(domains, extend: false, cancellationToken, force: true);

    /// <summary>Close code 4407: the identity must be extended.</summary>
    public Task<string> ExtendAsync(ServiceDomains domains, CancellationToken cancellationToken) => ObtainAsync(domains, extend: true, cancellationToken, force: true);

    private async Task<string> ObtainAsync(ServiceDomains domains, bool extend, CancellationToken cancellationToken, bool force = false)
    {
        var previousConsumer = ConsumerId ?? (_secrets?.Jwt is { } old ? Subject(old) : null);
        var secrets = Mode switch
        {
            IdentityMode.Signup => await SignupAsync(domains, previousConsumer, force, cancellationToken),
            IdentityMode.Unauthenticated => await UnauthenticatedAsync(domains, extend, cancellationToken),
            _ => new IdentitySecrets(await idp.AuthenticateAsync(domains, account, IdToken(), cancellationToken), null),
        };
        _secrets = secrets;
        ConsumerId = Subject(secrets.Jwt!);
        await vault.SaveAsync(Name, Mode.ToString(), ConsumerId, secrets, cancellationToken);
        TokenObtained(logger, Name, Mode, ConsumerId ?? "?");
        return secrets.Jwt!;
    }

    private async Task<IdentitySecrets> SignupAsync(ServiceDomains domains, string? previousConsumer, bool force, CancellationToken cancellationToken)
    {
        // A signup identity cannot be extended: a new signup is a NEW consumer, whose conversations are not the old one's.
        if (previousConsumer is not null && force)
            SignupReplacesConsumer(logger, Name, previousConsumer);
        return new IdentitySecrets(await idp.SignupAsync(domains, account, cancellationToken), null);
    }

    private async Task<IdentitySecrets> UnauthenticatedAsync(ServiceDomains domains, bool extend, CancellationToken cancellationToken)
    {
        var external = _secrets?.ExternalToken;
        if (external is null)
            external = await idp.AnonymousAuthorizeAsync(domains, account, null, cancellationToken);
        else if (extend || IsExpired(external))
            external = await idp.AnonymousAuthorizeAsync(domains, account, external, cancellationToken); // same consumer
        try
        {
            return new IdentitySecrets(await idp.ConnectorAuthenticateAsync(domains, account, consumer.ConnectorId!, external, cancellationToken), external);
        }
        catch (IdpException e) when (e.Status == System.Net.HttpStatusCode.Unauthorized && !extend)
        {
            external = await idp.AnonymousAuthorizeAsync(domains, account, external, cancellationToken);
            return new IdentitySecrets(await idp.ConnectorAuthenticateAsync(domains, account, consumer.ConnectorId!, external, cancellationToken), external);
        }
    }

    /// <summary>The configured brand id token, or one minted now from the signing key (a fresh one every time).</summary>
    private string IdToken()
    {
        if (!string.IsNullOrWhiteSpace(consumer.IdToken))
            return consumer.IdToken;
        _signingKey ??= LoadSigningKey(consumer.SigningKeyFile!, consumer.KeyId);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = consumer.Issuer,
            Subject = new ClaimsIdentity([new Claim("sub", consumer.ExternalId!)]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.RsaSha256),
        });
    }

    private static RsaSecurityKey LoadSigningKey(string path, string? keyId)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(path));
        return new RsaSecurityKey(rsa) { KeyId = keyId };
    }

    private bool IsExpired(string token)
    {
        try
        {
            var validTo = new JsonWebToken(token).ValidTo;
            return validTo != DateTime.MinValue && validTo <= timeProvider.GetUtcNow().UtcDateTime + ExpiryMargin;
        }
        catch (ArgumentException)
        {
            return true; // not a JWT we can read: get a new one
        }
    }

    private static string? Subject(string token)
    {
        try
        {
            return new JsonWebToken(token).Subject;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer {Consumer} ({Mode}) holds a token for consumer id {ConsumerId}")]
    private static partial void TokenObtained(ILogger logger, string consumer, IdentityMode mode, string consumerId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Consumer {Consumer} is in Signup mode, which cannot be extended: signing up again creates a NEW consumer, replacing {PreviousConsumerId}; its open conversations are no longer visible to this worker")]
    private static partial void SignupReplacesConsumer(ILogger logger, string consumer, string previousConsumerId);
}
