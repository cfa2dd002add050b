using System.Net.Http.Json;
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
}

/// <summary>
/// Reads <c>{CsdsUrl}/api/account/{account}/service/baseURI.json?version=1.0</c> (docs/protocol.md §10.1), overlaid
/// with configured overrides, and caches the answer for a minute as LivePerson's SDKs do.
/// </summary>
public sealed class DomainDirectory(HttpClient http, IOptions<LivePersonOptions> options, TimeProvider timeProvider) : IDisposable
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);
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
                var answer = await http.GetFromJsonAsync(uri, CsdsJson.Default.CsdsAnswer, cancellationToken)
                    ?? throw new InvalidOperationException("The domain API answered with nothing.");
                foreach (var entry in answer.BaseURIs ?? [])
                {
                    if (entry.Service is { Length: > 0 } service && entry.BaseURI is { Length: > 0 } host)
                        hosts[service] = host;
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

    public void Dispose() => _gate.Dispose();
}

internal sealed record CsdsEntry(string? Service, string? Account, string? BaseURI);

internal sealed record CsdsAnswer(IReadOnlyList<CsdsEntry>? BaseURIs);

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(CsdsAnswer))]
internal sealed partial class CsdsJson : JsonSerializerContext;
