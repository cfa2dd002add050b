using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Archiver.Testing.Oidc;

/// <summary>
/// Proof Key for Code Exchange (RFC 7636) with the S256 method only: the code is useless to whoever intercepts it
/// without the verifier the client kept.
/// </summary>
internal static class Pkce
{
    /// <summary>A verifier is 43 to 128 characters from the unreserved set (RFC 7636 section 4.1).</summary>
    public static bool IsWellFormedVerifier(string verifier) =>
        verifier.Length is >= 43 and <= 128 && verifier.All(IsUnreserved);

    /// <summary>An S256 challenge is a base64url SHA-256 digest: 43 characters without padding.</summary>
    public static bool IsWellFormedS256Challenge(string challenge) =>
        challenge.Length == 43 && challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>BASE64URL(SHA256(ASCII(verifier))), compared in constant time with the challenge.</summary>
    public static bool Matches(string verifier, string challenge)
    {
        var computed = Encoding.ASCII.GetBytes(S256(verifier));
        return CryptographicOperations.FixedTimeEquals(computed, Encoding.ASCII.GetBytes(challenge));
    }

    public static string S256(string verifier) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';
}
