using System.Net;
using System.Text.Json;
using Archiver.Worker.Ingestion;
using Archiver.Worker.Observability;
using Archiver.Worker.Sessions;
using Archiver.Worker.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;

namespace Archiver.Worker.Hosting;

public static class ObservabilityExtensions
{
    /// <summary>
    /// Health checks, metrics (Prometheus text at /metrics; OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), the
    /// heartbeat and sd_notify, served on <c>Observability__Address</c>:<c>Observability__Port</c>.
    /// </summary>
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ObservabilityOptions>().Bind(builder.Configuration.GetSection(ObservabilityOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => IPAddress.TryParse(o.Address, out _), "Observability__Address is not an IP address (e.g. 127.0.0.1 or 0.0.0.0).")
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new ObservabilityOptions();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.TryParse(options.Address, out var address) ? address : IPAddress.Loopback, options.Port));

        services.AddSingleton<Heartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<Heartbeat>());
        services.AddHostedService<SystemdNotifier>();
        services.AddHealthChecks()
            .AddCheck<LoopCheck>("loop", tags: ["live"])
            .AddCheck<DatabaseCheck>("database", tags: ["ready"])
            .AddCheck<SessionsCheck>("sessions", tags: ["ready"])
            .AddCheck<IngestionCheck>("ingestion", tags: ["ready"])
            .AddCheck<ServicesCheck>("services", tags: ["ready"]);

        var metrics = services.AddOpenTelemetry().WithMetrics(m =>
        {
            m.AddMeter(StoreMetrics.MeterName, IngestionMetrics.MeterName, SessionMetrics.MeterName);
            m.AddPrometheusExporter();
            if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
                m.AddOtlpExporter();
        });
        return builder;
    }

    public static WebApplication MapObservability(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", Checks("live"));
        app.MapHealthChecks("/health/ready", Checks("ready"));
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static HealthCheckOptions Checks(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = WriteAsync,
    };

    /// <summary>Each check's status and description as JSON: what a probe log or an operator needs, nothing secret.</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new Dictionary<string, object>
        {
            ["status"] = report.Status.ToString(),
            ["checks"] = report.Entries.ToDictionary(e => e.Key, e => new Dictionary<string, string>
            {
                ["status"] = e.Value.Status.ToString(),
                ["description"] = e.Value.Description ?? "",
            }),
        });
    }
}
