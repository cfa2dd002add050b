using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Archiver.Simulator.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Archiver.Simulator.Identity;

/// <summary>
/// The simulated IDP's keys and tokens (docs/protocol.md §9, §14.6): consumer JWTs and external (unauthenticated)
/// tokens are RS256 with a <c>kid</c>, signed by a key pair made at start; brand id tokens are checked against the
/// brands' registered public keys.
/// </summary>
public sealed class TokenService
{
    public const string Issuer = "https://idp.liveperson.net";
    public const string ExternalIssuer = "https://idp.liveperson.net/anonymous";
    private static readonly TimeSpan RefreshWindow = TimeSpan.FromHours(24);

    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "00001" };
    private readonly ConcurrentDictionary<string, RsaSecurityKey> _brandKeys = new(StringComparer.Ordinal);
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SimulatorSettings _settings;
    private readonly TimeProvider _time;

    public TokenService(SimulatorSettings settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
        foreach (var file in settings.BrandPublicKeyFiles)
            AddBrandKey(Path.GetFileNameWithoutExtension(file), File.ReadAllText(file));
    }

    public string Audience => $"acc:{_settings.Account}";

    public void AddBrandKey(string keyId, string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        _brandKeys[keyId] = new RsaSecurityKey(rsa) { KeyId = keyId };
    }

    public string ConsumerToken(string consumerId, (string Issuer, string Subject)? external = null)
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal);
        if (external is { } ext)
            claims["lp.ext"] = new Dictionary<string, object> { ["sub"] = ext.Subject, ["iss"] = ext.Issuer };
        return Create(Issuer, consumerId, _settings.TokenLifetime, claims);
    }

    public string ExternalToken(string externalSubject) => Create(ExternalIssuer, externalSubject, _settings.ExternalTokenLifetime, null);

    /// <summary>A consumer JWT we issued, valid now: its subject (the consumerId) and expiry; null when refused.</summary>
    public async Task<(string ConsumerId, DateTimeOffset Expires)?> ValidateConsumerAsync(string token)
    {
        var result = await ValidateAsync(token, Issuer, [_key], lifetime: true);
        return result is { } r ? (r.Subject, r.Expires) : null;
    }

    /// <summary>An external token we issued; an expired one is accepted for refresh within 24 h of issue.</summary>
    public async Task<string?> ValidateExternalAsync(string token, bool forRefresh)
    {
        var result = await ValidateAsync(token, ExternalIssuer, [_key], lifetime: !forRefresh);
        if (result is null)
            return null;
        if (forRefresh && result.Value.Issued + RefreshWindow < _time.GetUtcNow())
            return null;
        return result.Value.Subject;
    }

    /// <summary>A brand-issued id token signed by a registered brand key: its (iss, sub).</summary>
    public async Task<(string Issuer, string Subject)?> ValidateBrandAsync(string token)
    {
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return null;
        }
        var keys = jwt.Kid is { Length: > 0 } kid && _brandKeys.TryGetValue(kid, out var key) ? [key] : _brandKeys.Values.ToArray();
        if (keys.Length == 0)
            return null;
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = true,
            LifetimeValidator = (notBefore, expires, _, _) => expires is null || expires > _time.GetUtcNow().UtcDateTime,
        });
        return result.IsValid ? (jwt.Issuer, jwt.Subject) : null;
    }

    /// <summary>The authenticated consumerId: 64 hex characters, stable per brand identity
    /// (docs/protocol.md §9).</summary>
    public static string AuthenticatedConsumerId(string issuer, string subject) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(issuer + "|" + subject)));

    private string Create(string issuer, string subject, TimeSpan lifetime, Dictionary<string, object>? claims)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            IssuedAt = now,
            Expires = now + lifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
    }

    private async Task<(string Subject, DateTimeOffset Expires, DateTimeOffset Issued)?> ValidateAsync(
        string token, string issuer, SecurityKey[] keys, bool lifetime)
    {
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            ValidIssuer = issuer,
            ValidAudience = Audience,
            ValidateLifetime = lifetime,
            LifetimeValidator = lifetime ? (_, expires, _, _) => expires is { } e && e > _time.GetUtcNow().UtcDateTime : null,
            ClockSkew = TimeSpan.Zero,
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
            return null;
        return (jwt.Subject, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero));
    }
}
