using Microsoft.AspNetCore.Http;

namespace Archiver.Simulator.Faults;

/// <summary>Marks an endpoint group with the fault target its requests draw owed statuses from.</summary>
public sealed record FaultTarget(string Name);

/// <summary>Answers an owed 429/500 instead of running the endpoint.</summary>
public sealed class HttpFaultFilter(FaultBoard board, SimulatorStats stats) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var target = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<FaultTarget>()?.Name;
        if (target is not null && board.Take(target) is { } code)
        {
            stats.Count($"fault.status.{target}.{code}");
            return Results.Text(code == 429 ? "Too Many Requests" : "Internal Server Error", statusCode: code);
        }
        return await next(context);
    }
}
