using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Archiver.Oidc.Tests.Harness;

/// <summary>A client's PKCE secret and its S256 challenge, computed here independently of the provider's code.</summary>
internal sealed record PkcePair(string Verifier, string Challenge)
{
    public static PkcePair New()
    {
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return new PkcePair(verifier, Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}
