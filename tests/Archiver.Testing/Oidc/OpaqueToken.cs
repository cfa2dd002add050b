using System.Buffers.Text;
using System.Security.Cryptography;

namespace Archiver.Testing.Oidc;

/// <summary>Codes and access tokens are unguessable random strings (256 bits, base64url), as a real provider's are.</summary>
internal static class OpaqueToken
{
    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
