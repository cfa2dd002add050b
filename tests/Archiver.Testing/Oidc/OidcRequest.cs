namespace Archiver.Testing.Oidc;

/// <summary>
/// One request the provider received, kept so a test can assert on the protocol a client spoke (e.g. that it sent
/// <c>code_challenge_method=S256</c>, or a <c>code_verifier</c>). <see cref="Parameters"/> holds the query and form
/// parameters (the client secret redacted) and, as <c>authorization</c>, the scheme of the Authorization header.
/// </summary>
public sealed class OidcRequest
{
    internal OidcRequest(string method, string path, IReadOnlyDictionary<string, string> parameters)
    {
        Method = method;
        Path = path;
        Parameters = parameters;
    }

    public string Method { get; }

    /// <summary>The path, e.g. <c>/authorize</c> or <c>/token</c>.</summary>
    public string Path { get; }

    public IReadOnlyDictionary<string, string> Parameters { get; }

    private int _statusCode;

    /// <summary>The status the provider answered with; 0 until the response has started (set just before the
    /// response's headers go out, so a client that has its response sees it).</summary>
    public int StatusCode
    {
        get => Volatile.Read(ref _statusCode);
        internal set => Volatile.Write(ref _statusCode, value);
    }

    /// <summary>A parameter's value, or null if the request did not have it.</summary>
    public string? this[string name] => Parameters.GetValueOrDefault(name);

    public override string ToString() =>
        $"{Method} {Path} {StatusCode} {string.Join('&', Parameters.Select(p => $"{p.Key}={p.Value}"))}";
}
