namespace Archiver.Worker.Sessions;

public enum IdentityMode
{
    /// <summary>IDP signup once, identity persisted and reused; demo only (docs/protocol.md §14.6).</summary>
    Signup,

    /// <summary>The unauthenticated connector flow; refreshable for the same consumer on 4407.</summary>
    Unauthenticated,

    /// <summary>A brand-issued id token (given, or minted from a signing key and external id) exchanged for a consumer JWT.</summary>
    Authenticated,
}

/// <summary>Section <c>LivePerson</c> (environment: <c>LivePerson__…</c>).</summary>
public sealed class LivePersonOptions
{
    public const string Section = "LivePerson";

    public string? AccountId { get; set; }

    /// <summary>The domain API; the worker reads <c>{CsdsUrl}/api/account/{AccountId}/service/baseURI.json?version=1.0</c>.</summary>
    public string CsdsUrl { get; set; } = "https://api.liveperson.net";

    /// <summary><c>false</c> uses ws:// and http:// to the discovered hosts (the simulator, tests); warned about at start.</summary>
    public bool Tls { get; set; } = true;

    /// <summary>Per-service host overrides (<c>LivePerson__Services__asyncMessagingEnt=host:port</c>) that skip discovery.</summary>
    public Dictionary<string, string> Services { get; set; } = new(StringComparer.Ordinal);

    public List<ConsumerOptions> Consumers { get; set; } = [];

    /// <summary>What the consumers kept in the registry (archive.consumer_registry) share: <c>LivePerson__Registry__…</c>.</summary>
    public RegistryOptions Registry { get; set; } = new();

    /// <summary>WebSocket ping interval; the server closes connections idle for 60 s (docs/protocol.md §2.3).</summary>
    public int KeepAliveSeconds { get; set; } = 20;

    /// <summary>A request without a response after this long fails (the SDKs use 10 s).</summary>
    public int RequestTimeoutSeconds { get; set; } = 10;

    /// <summary>Frames larger than this are drained without being held, recorded as rejections and counted; the
    /// connection stays open (docs/protocol.md §14.5).</summary>
    public int MaxFrameBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Reconnect backoff: first delay and cap, with jitter.</summary>
    public int ReconnectInitialDelayMs { get; set; } = 500;

    public int ReconnectMaxDelayMs { get; set; } = 30_000;

    /// <summary><c>LivePerson__Http__…</c>: the resilience of every LivePerson HTTP call (domains, tokens, agent profiles).</summary>
    public LivePersonHttpOptions Http { get; set; } = new();
}

/// <summary>
/// <c>LivePerson__Http__…</c>: timeouts, retries (exponential, with jitter) and a circuit breaker for the domain API,
/// the IDP and agent profiles (<c>AddStandardResilienceHandler</c>, ConsumerSessionsExtensions). A call that still fails
/// after its retries fails the session's attempt, which reconnects with its own backoff.
/// </summary>
public sealed class LivePersonHttpOptions
{
    /// <summary>One attempt (until the answer's headers) fails after this long.</summary>
    public int AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>A call, retries included, fails after this long.</summary>
    public int TotalTimeoutSeconds { get; set; } = 30;

    /// <summary>Retries of a transient failure (a network error, a timeout, 408, 429 or 5xx); 429's Retry-After is honoured.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The first retry's delay, doubled for each next one, with jitter.</summary>
    public int RetryDelayMs { get; set; } = 500;

    /// <summary>The circuit opens when at least this share of the calls in the sampling window failed…</summary>
    public double CircuitBreakerFailureRatio { get; set; } = 0.5;

    /// <summary>…and at least this many calls were made in it.</summary>
    public int CircuitBreakerMinimumThroughput { get; set; } = 10;

    /// <summary>The window; at least twice <see cref="AttemptTimeoutSeconds"/>.</summary>
    public int CircuitBreakerSamplingSeconds { get; set; } = 30;

    /// <summary>While open, calls fail at once for this long, then one is let through to test the service.</summary>
    public int CircuitBreakerBreakSeconds { get; set; } = 5;
}

/// <summary><c>LivePerson__Consumers__{i}__…</c>: one consumer identity the worker holds a session for.</summary>
public sealed class ConsumerOptions
{
    public string? Name { get; set; }

    public IdentityMode? Mode { get; set; }

    /// <summary>Unauthenticated mode: the le-connector id used in <c>app/{connectorId}/authenticate</c>.</summary>
    public string? ConnectorId { get; set; }

    /// <summary>Authenticated mode: a brand-issued id token (a secret; never logged).</summary>
    public string? IdToken { get; set; }

    /// <summary>Authenticated mode without <see cref="IdToken"/>: a PEM RSA private key the worker signs id tokens with.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>Authenticated mode with <see cref="SigningKeyFile"/>: the consumer's id in the brand's system (<c>sub</c>).</summary>
    public string? ExternalId { get; set; }

    /// <summary>Authenticated mode with <see cref="SigningKeyFile"/>: the <c>iss</c> of minted id tokens.</summary>
    public string Issuer { get; set; } = "archiver";

    /// <summary>Authenticated mode with <see cref="SigningKeyFile"/>: the <c>kid</c> header of minted id tokens.</summary>
    public string? KeyId { get; set; }
}

/// <summary>
/// <c>LivePerson__Registry__…</c>: the registry's authenticated consumers are only an external id each; the key their id
/// tokens are signed with, and the token's issuer and key id, are the brand's and shared by all of them.
/// </summary>
public sealed class RegistryOptions
{
    /// <summary>A PEM RSA private key file (a secret: its path is shown, its content never).</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>The <c>iss</c> of minted id tokens.</summary>
    public string Issuer { get; set; } = "archiver";

    /// <summary>The <c>kid</c> header of minted id tokens.</summary>
    public string? KeyId { get; set; }
}
