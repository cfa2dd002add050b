using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Archiver.Testing.Oidc;

/// <summary>
/// Writes the id_token (OpenID Connect Core section 2) with Microsoft.IdentityModel's own handler, the library the
/// relying party validates it with: RS256 under the published key id, <c>iss</c>, <c>aud</c> = client id, <c>sub</c>,
/// the nonce from the authorization request, <c>iat</c>/<c>nbf</c>/<c>exp</c>, <c>auth_time</c>, <c>at_hash</c> tying
/// it to the access token issued beside it, and the user's claims.
/// </summary>
internal static class IdTokenFactory
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public static string Create(OidcProviderState state, AuthorizationCode code, string accessToken)
    {
        var now = state.Now;
        var claims = UserClaims.Of(code.User, state.Options.ArrayClaims);
        claims["sub"] = code.User.Subject;
        claims["nonce"] = code.Nonce;
        claims["auth_time"] = code.AuthTime.ToUnixTimeSeconds();
        claims["at_hash"] = AccessTokenHash(accessToken);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = state.Issuer,
            Audience = code.ClientId,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + state.Options.TokenLifetime).UtcDateTime,
            Claims = claims,
            SigningCredentials = state.SigningKey.Credentials,
            TokenType = "JWT",
        };
        return Handler.CreateToken(descriptor);
    }

    /// <summary>The left half of SHA-256 of the access token, base64url (OpenID Connect Core section 3.1.3.6).</summary>
    private static string AccessTokenHash(string accessToken) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)).AsSpan(0, 16));
}
