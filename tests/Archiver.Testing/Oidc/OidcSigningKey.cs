using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Archiver.Testing.Oidc;

/// <summary>
/// The provider's RSA 2048 signing key, made fresh at start so no key material lives in the repository. The key id is
/// the RFC 7638 thumbprint of the public key, published at <c>/jwks</c> and written in every id_token's header, so a
/// client can pick the key the way it would at a real provider.
/// </summary>
internal sealed class OidcSigningKey : IDisposable
{
    private readonly RSA _rsa;
    private readonly RSAParameters _public;

    public OidcSigningKey()
    {
        _rsa = RSA.Create(2048);
        _public = _rsa.ExportParameters(includePrivateParameters: false);
        var key = new RsaSecurityKey(_rsa);
        KeyId = Base64Url.EncodeToString(key.ComputeJwkThumbprint());
        key.KeyId = KeyId;
        Credentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256);
        PublicKey = new RsaSecurityKey(_public) { KeyId = KeyId };
    }

    public string KeyId { get; }

    public SigningCredentials Credentials { get; }

    /// <summary>The public half, to check tokens this provider is handed back (id_token_hint).</summary>
    public SecurityKey PublicKey { get; }

    /// <summary>The JSON Web Key Set document (RFC 7517) with the one public key.</summary>
    public Dictionary<string, object> JwksDocument() => new()
    {
        ["keys"] = new[]
        {
            new Dictionary<string, string>
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = SecurityAlgorithms.RsaSha256,
                ["kid"] = KeyId,
                ["n"] = Base64Url.EncodeToString(_public.Modulus),
                ["e"] = Base64Url.EncodeToString(_public.Exponent),
            },
        },
    };

    public void Dispose() => _rsa.Dispose();
}
