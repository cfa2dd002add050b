using Archiver.Simulator.Faults;
using Archiver.Simulator.World;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Archiver.Simulator.Control;

/// <summary>CSDS, the domain API (docs/protocol.md §10.1): every service points at the simulator itself. Also the agent
/// public profile (§9).</summary>
public static class CsdsEndpoints
{
    private static readonly string[] Services = ["asyncMessagingEnt", "idp", "acCdnDomain", "swift", "agentVep", "messagingRestApiDomain", "adminArea", "liveEngage"];

    public static IEndpointRouteBuilder MapCsds(this IEndpointRouteBuilder app)
    {
        var csds = app.MapGroup("/api/account/{account}/service").AddEndpointFilter<HttpFaultFilter>().WithMetadata(new FaultTarget("csds"));
        csds.MapGet("/baseURI.json", (string account, HttpContext http, SimulatorWorld world) =>
            account != world.Account
                ? Results.Json(new { error = "unknown account" }, statusCode: 400)
                : Results.Json(new { baseURIs = Services.Select(s => new { service = s, account, baseURI = http.Request.Host.Value }) }));
        csds.MapGet("/{service}/baseURI.json", (string account, string service, HttpContext http, SimulatorWorld world) =>
            account != world.Account || !Services.Contains(service)
                ? Results.Json(new { error = "unknown account or service" }, statusCode: 400)
                : Results.Json(new { service, account, baseURI = http.Request.Host.Value }));

        app.MapGet("/api/account/{account}/configuration/le-users/users/{agentPid}", (string account, string agentPid, SimulatorWorld world) =>
            world.AgentName(agentPid) is { } name
                ? Results.Json(new { pictureUrl = $"https://example.invalid/avatars/{agentPid}.png", employeeId = agentPid[..8], nickname = name.Split(' ')[0], fullName = name })
                : Results.NotFound());
        return app;
    }
}
