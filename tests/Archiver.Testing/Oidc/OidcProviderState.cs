using System.Collections.Concurrent;

namespace Archiver.Testing.Oidc;

/// <summary>
/// Everything the endpoints share: clients, users, outstanding codes, issued access tokens, the signing key and the
/// request log. Requests arrive on many threads, so every collection here is concurrent or locked.
/// </summary>
internal sealed class OidcProviderState : IDisposable
{
    private readonly ConcurrentDictionary<string, OidcClient> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OidcUser> _users;
    private readonly ConcurrentDictionary<string, AuthorizationCode> _codes = new(StringComparer.Ordinal);

    /// <summary>Codes already redeemed, with the access token issued for each: a second use of a code revokes it
    /// (RFC 6749 section 4.1.2: the code may have been stolen).</summary>
    private readonly ConcurrentDictionary<string, string?> _redeemed = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, AccessTokenGrant> _accessTokens = new(StringComparer.Ordinal);
    private readonly List<OidcRequest> _requests = [];
    private readonly Lock _requestsLock = new();
    private OidcUser? _nextUser;

    public OidcProviderState(OidcProviderOptions options)
    {
        Options = options;
        foreach (var client in options.Clients)
            RegisterClient(client);
        _users = options.Users.ToDictionary(u => u.Subject, StringComparer.Ordinal);
        _nextUser = options.NextUser;
    }

    public OidcProviderOptions Options { get; }

    public OidcSigningKey SigningKey { get; } = new();

    /// <summary>The issuer identifier, <c>http://127.0.0.1:PORT/</c>; known once Kestrel has picked the port.</summary>
    public string Issuer { get; private set; } = "";

    public DateTimeOffset Now => Options.TimeProvider.GetUtcNow();

    public OidcUser? NextUser
    {
        get => Volatile.Read(ref _nextUser);
        set => Volatile.Write(ref _nextUser, value);
    }

    public IEnumerable<OidcClient> Clients => _clients.Values;

    public IEnumerable<OidcUser> Users => NextUser is { } next ? _users.Values.Append(next) : _users.Values;

    public IReadOnlyList<OidcRequest> Requests
    {
        get
        {
            lock (_requestsLock)
                return [.. _requests];
        }
    }

    public void Listening(Uri authority) => Issuer = authority.AbsoluteUri;

    /// <summary>The absolute URL of one of the provider's endpoints.</summary>
    public string Endpoint(string path) => Issuer + path;

    public void RegisterClient(OidcClient client) => _clients[client.ClientId] = client;

    public OidcClient? FindClient(string? clientId) =>
        clientId is not null && _clients.TryGetValue(clientId, out var client) ? client : null;

    /// <summary>The user a <c>login_hint</c> names, if one is configured; otherwise the next user.</summary>
    public OidcUser? ChooseUser(string? loginHint) =>
        loginHint is not null && _users.TryGetValue(loginHint, out var user) ? user : NextUser;

    public string IssueCode(AuthorizationCode code)
    {
        var value = OpaqueToken.New();
        _codes[value] = code;
        return value;
    }

    /// <summary>Takes the code out (it is single-use whatever happens next). A code already redeemed revokes the access
    /// token issued for it and yields null, as does an unknown code.</summary>
    public AuthorizationCode? RedeemCode(string code)
    {
        if (_codes.TryRemove(code, out var issued))
        {
            _redeemed[code] = null;
            return issued;
        }
        if (_redeemed.TryGetValue(code, out var accessToken) && accessToken is not null)
            _accessTokens.TryRemove(accessToken, out _);
        return null;
    }

    public string IssueAccessToken(string code, AccessTokenGrant grant)
    {
        var value = OpaqueToken.New();
        _accessTokens[value] = grant;
        _redeemed[code] = value;
        return value;
    }

    /// <summary>The grant behind an access token that is known, not revoked and not expired.</summary>
    public AccessTokenGrant? FindAccessToken(string token) =>
        _accessTokens.TryGetValue(token, out var grant) && grant.ExpiresAt > Now ? grant : null;

    public void Record(OidcRequest request)
    {
        lock (_requestsLock)
            _requests.Add(request);
    }

    public void Dispose() => SigningKey.Dispose();
}
