using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Archiver.Worker.Sessions.Identity;

/// <summary>The IDP's consumer-token calls (docs/protocol.md §10.2). Errors carry the status and path only: bodies may
/// hold tokens.</summary>
public sealed class IdpClient(HttpClient http)
{
    public Task<string> SignupAsync(ServiceDomains domains, string account, CancellationToken cancellationToken) =>
        PostAsync(domains, $"/api/account/{Escape(account)}/signup", null, cancellationToken);

    public Task<string> AuthenticateAsync(ServiceDomains domains, string account, string idToken, CancellationToken cancellationToken) =>
        PostAsync(domains, $"/api/account/{Escape(account)}/authenticate", new Dictionary<string, string> { ["authCode"] = idToken }, cancellationToken);

    /// <summary>A new external (unauthenticated) token, or with <paramref name="previous"/> a refreshed one for the same consumer.</summary>
    public Task<string> AnonymousAuthorizeAsync(ServiceDomains domains, string account, string? previous, CancellationToken cancellationToken) =>
        PostAsync(domains, $"/api/account/{Escape(account)}/anonymous/authorize",
            previous is null ? null : new Dictionary<string, string> { ["id_token"] = previous }, cancellationToken);

    public Task<string> ConnectorAuthenticateAsync(ServiceDomains domains, string account, string connectorId, string externalToken, CancellationToken cancellationToken) =>
        PostAsync(domains, $"/api/account/{Escape(account)}/app/{Escape(connectorId)}/authenticate?v=3.0",
            new Dictionary<string, string> { ["id_token"] = externalToken }, cancellationToken);

    private async Task<string> PostAsync(ServiceDomains domains, string path, Dictionary<string, string>? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, domains.Http(ServiceDomains.Idp, path))
        {
            Content = body is null ? null : JsonContent.Create(body),
        };
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new IdpException(response.StatusCode, path.Split('?')[0]);
        using var document = await ParseAsync(response, path, cancellationToken);
        // The field is jwt for signup/authenticate and token for the anonymous and connector flows; accept either
        // (docs/protocol.md §10.2).
        foreach (var name in new[] { "jwt", "token" })
        {
            if (document.RootElement.TryGetProperty(name, out var value) && value.GetString() is { Length: > 0 } token)
                return token;
        }
        throw new IdpException(response.StatusCode, path.Split('?')[0], "answered without a token");
    }

    /// <summary>An answer that is not JSON (a proxy's page) fails like a refusal, named by its content type only.</summary>
    private static async Task<JsonDocument> ParseAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            var type = response.Content.Headers.ContentType?.MediaType ?? "no content type";
            throw new IdpException(response.StatusCode, path.Split('?')[0], $"answered something that is not JSON ({type[..Math.Min(type.Length, 100)]})");
        }
    }

    private static string Escape(string value) => Uri.EscapeDataString(value);
}

public sealed class IdpException : Exception
{
    public IdpException(HttpStatusCode status, string path, string? problem = null)
        : base($"IDP {path} {(problem ?? $"answered {(int)status} {status}")}")
    {
        Status = status;
    }

    public IdpException() { }

    public IdpException(string message) : base(message) { }

    public IdpException(string message, Exception innerException) : base(message, innerException) { }

    public HttpStatusCode Status { get; }
}
