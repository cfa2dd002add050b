using System.Security.Cryptography;

namespace Archiver.Worker.Store.Checkpoints;

/// <summary>
/// The checkpoint key: ECDSA P-256 from the BCL, read from PEM files that <c>openssl</c> makes (a PKCS#8 private key; a
/// SubjectPublicKeyInfo public key). Signatures are over SHA-256, DER-encoded, as <c>openssl dgst -sha256 -verify</c>
/// expects. Nothing here ever puts key material in a message: a file that is not a key is named by its path only.
/// </summary>
public static class CheckpointKey
{
    public static ECDsa LoadPrivate(string file, string setting)
    {
        var key = Load(file, setting);
        try
        {
            _ = key.ExportParameters(includePrivateParameters: true);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new InvalidOperationException($"{setting}: {file} holds a public key; checkpoints are signed with the private key.");
        }
        return key;
    }

    public static ECDsa LoadPublic(string file, string setting) => Load(file, setting);

    /// <summary>Which key: the first 16 hex digits of the SHA-256 of its public key (SubjectPublicKeyInfo DER).</summary>
    public static string IdOf(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

    public static byte[] Sign(ECDsa key, byte[] data) => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public static bool Verify(ECDsa key, byte[] data, byte[] signature)
    {
        try
        {
            return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static ECDsa Load(string file, string setting)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidOperationException($"{setting}: {file} cannot be read ({e.GetType().Name}).", e);
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new InvalidOperationException($"{setting}: {file} is not a PEM ECDSA key.");
        }
        if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            key.Dispose();
            throw new InvalidOperationException($"{setting}: {file} is not a P-256 key (the checkpoints are ECDSA P-256).");
        }
        return key;
    }
}
