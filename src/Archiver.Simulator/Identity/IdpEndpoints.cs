using System.Text.Json;
using Archiver.Simulator.Faults;
using Archiver.Simulator.World;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Archiver.Simulator.Identity;

/// <summary>The IDP's consumer-token endpoints (docs/protocol.md §10.2, §14.6).</summary>
public static class IdpEndpoints
{
    public static IEndpointRouteBuilder MapIdp(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/api/account/{account}").AddEndpointFilter<HttpFaultFilter>().WithMetadata(new FaultTarget("idp"));

        account.MapPost("/signup", (string account, SimulatorWorld world, TokenService tokens) =>
        {
            if (account != world.Account)
                return Results.NotFound();
            var consumer = world.Consumer(Guid.NewGuid().ToString(), ConsumerMode.Signup);
            return Results.Json(new { jwt = tokens.ConsumerToken(consumer.Id) });
        });

        account.MapPost("/anonymous/authorize", async (string account, HttpRequest request, SimulatorWorld world, TokenService tokens) =>
        {
            if (account != world.Account)
                return Results.NotFound();
            var previous = await ReadStringAsync(request, "id_token");
            if (previous is null)
                return Results.Json(new { token = tokens.ExternalToken(Guid.NewGuid().ToString()) });
            // A refresh keeps the external subject, hence the same consumer.
            var subject = await tokens.ValidateExternalAsync(previous, forRefresh: true);
            return subject is null ? Results.Unauthorized() : Results.Json(new { token = tokens.ExternalToken(subject) });
        });

        account.MapPost("/app/{connectorId}/authenticate", async (string account, string connectorId, HttpRequest request, SimulatorWorld world, TokenService tokens) =>
        {
            if (account != world.Account)
                return Results.NotFound();
            var external = await ReadStringAsync(request, "id_token");
            var subject = external is null ? null : await tokens.ValidateExternalAsync(external, forRefresh: false);
            if (subject is null)
                return Results.Unauthorized();
            var consumerId = new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{connectorId}|{subject}")).AsSpan(0, 16)).ToString();
            world.Consumer(consumerId, ConsumerMode.Unauthenticated);
            return Results.Json(new { token = tokens.ConsumerToken(consumerId) });
        });

        account.MapPost("/authenticate", async (string account, HttpRequest request, SimulatorWorld world, TokenService tokens) =>
        {
            if (account != world.Account)
                return Results.NotFound();
            var authCode = await ReadStringAsync(request, "authCode");
            var brand = authCode is null ? null : await tokens.ValidateBrandAsync(authCode);
            if (brand is not { } identity)
                return Results.Unauthorized();
            var consumerId = TokenService.AuthenticatedConsumerId(identity.Issuer, identity.Subject);
            world.Consumer(consumerId, ConsumerMode.Authenticated);
            return Results.Json(new { jwt = tokens.ConsumerToken(consumerId, identity) });
        });
        return app;
    }

    private static async Task<string?> ReadStringAsync(HttpRequest request, string property)
    {
        if (request.ContentLength is 0 or null && request.Headers.TransferEncoding.Count == 0)
            return null;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(property, out var value)
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
