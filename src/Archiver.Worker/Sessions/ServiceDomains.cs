using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Sessions;

/// <summary>The hosts LivePerson's domain API (CSDS) names for an account, e.g. <c>asyncMessagingEnt</c> and <c>idp</c>.</summary>
public sealed record ServiceDomains(IReadOnlyDictionary<string, string> Hosts, bool Tls)
{
    public const string AsyncMessaging = "asyncMessagingEnt";
    public const string Idp = "idp";

    public string Host(string service) => Hosts.TryGetValue(service, out var host)
        ? host
        : throw new InvalidOperationException($"The domain API named no host for service '{service}'; set LivePerson__Services__{service}.");

    public Uri Http(string service, string pathAndQuery) => new($"{(Tls ? "https" : "http")}://{Host(service)}{pathAndQuery}");

    public Uri WebSocket(string service, string pathAndQuery) => new($"{(Tls ? "wss" : "ws")}://{Host(service)}{pathAndQuery}");

    /// <summary>A bare host or host:port: nothing before it, nothing after it (no scheme, user, path, query or space).</summary>
    public static bool IsHost(string? host) =>
        !string.IsNullOrWhiteSpace(host)
        && !host.Any(char.IsWhiteSpace)
        && Uri.TryCreate($"http://{host}/", UriKind.Absolute, out var uri)
        && uri.PathAndQuery == "/" && uri.UserInfo.Length == 0 && uri.Fragment.Length == 0
        && !string.IsNullOrEmpty(uri.Host) && Uri.CheckHostName(uri.IdnHost) != UriHostNameType.Unknown;
}

/// <summary>
/// The domain API answered, but not with something the worker can use (an error status, a proxy's HTML page, a malformed
/// host). The message is ours and names no secret; the session retries with its backoff.
/// </summary>
public sealed class DomainApiException : Exception
{
    public DomainApiException() { }

    public DomainApiException(string message) : base($"The domain API {message}") { }

    public DomainApiException(string message, Exception innerException) : base($"The domain API {message}", innerException) { }
}

/// <summary>
/// Reads <c>{CsdsUrl}/api/account/{account}/service/baseURI.json?version=1.0</c> (docs/protocol.md §10.1), overlaid
/// with configured overrides, and caches the answer for a minute as LivePerson's SDKs do.
/// </summary>
public sealed class DomainDirectory(HttpClient http, IOptions<LivePersonOptions> options, TimeProvider timeProvider) : IDisposable
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);
    private static readonly HashSet<string> Used = new([ServiceDomains.AsyncMessaging, ServiceDomains.Idp, AgentProfiles.AcCdnDomain], StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (ServiceDomains Domains, DateTimeOffset Until)? _cached;

    public async Task<ServiceDomains> GetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } cached && cached.Until > timeProvider.GetUtcNow())
                return cached.Domains;
            var o = options.Value;
            var hosts = new Dictionary<string, string>(StringComparer.Ordinal);
            var needed = new[] { ServiceDomains.AsyncMessaging, ServiceDomains.Idp };
            if (!needed.All(o.Services.ContainsKey))
            {
                var uri = new Uri($"{o.CsdsUrl.TrimEnd('/')}/api/account/{Uri.EscapeDataString(o.AccountId!)}/service/baseURI.json?version=1.0");
                // Transient failures were retried by the client's resilience handler (ConsumerSessionsExtensions).
                using var response = await http.GetAsync(uri, cancellationToken);
                if (!response.IsSuccessStatusCode)
                    throw new DomainApiException($"answered {(int)response.StatusCode} {response.StatusCode}.");
                var answer = await ReadAsync(response, cancellationToken);
                foreach (var entry in answer.BaseURIs ?? [])
                {
                    if (entry.Service is not { Length: > 0 } service || entry.BaseURI is not { Length: > 0 } host)
                        continue;
                    // A malformed host for a service the worker uses fails this lookup (not cached: the next one asks
                    // again); one for a service it does not use is left out.
                    if (ServiceDomains.IsHost(host))
                        hosts[service] = host;
                    else if (Used.Contains(service))
                        throw new DomainApiException($"named a malformed host for service '{service}'.");
                }
            }
            foreach (var (service, host) in o.Services)
                hosts[service] = host;
            var domains = new ServiceDomains(hosts, o.Tls);
            _cached = (domains, timeProvider.GetUtcNow() + CacheFor);
            return domains;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>What a proxy or a broken server sends instead (an HTML page, a truncated body) is named by its content type only.</summary>
    private static async Task<CsdsAnswer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(CsdsJson.Default.CsdsAnswer, cancellationToken)
                ?? throw new DomainApiException("answered with nothing.");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            var type = response.Content.Headers.ContentType?.MediaType ?? "no content type";
            throw new DomainApiException($"answered something that is not its JSON ({type[..Math.Min(type.Length, 100)]}).");
        }
    }

    public void Dispose() => _gate.Dispose();
}

internal sealed record CsdsEntry(string? Service, string? Account, string? BaseURI);

internal sealed record CsdsAnswer(IReadOnlyList<CsdsEntry>? BaseURIs);

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(CsdsAnswer))]
internal sealed partial class CsdsJson : JsonSerializerContext;
