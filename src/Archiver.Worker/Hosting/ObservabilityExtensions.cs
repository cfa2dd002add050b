using System.Net;
using System.Text.Json;
using Archiver.Worker.Ingestion;
using Archiver.Worker.Observability;
using Archiver.Worker.Sessions;
using Archiver.Worker.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Archiver.Worker.Hosting;

public static class ObservabilityExtensions
{
    /// <summary>
    /// Health checks, metrics (Prometheus text at /metrics; OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), the
    /// heartbeat and sd_notify (<see cref="AddSystemd"/>), served on <c>Observability__Address</c>:<c>Observability__Port</c>.
    /// </summary>
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<ObservabilityOptions, ObservabilityOptionsValidator>(ObservabilityOptions.Section);
        // From the validated options (reading them here throws the validator's message for a bad address or port).
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ObservabilityOptions>>((kestrel, options) =>
            kestrel.Listen(IPAddress.Parse(options.Value.Address), options.Value.Port));

        services.AddSingleton<Heartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<Heartbeat>());
        AddSystemd(services);
        services.AddHealthChecks()
            .AddCheck<LoopCheck>("loop", tags: ["live"])
            .AddCheck<DatabaseCheck>("database", tags: ["ready"])
            .AddCheck<SessionsCheck>("sessions", tags: ["ready"])
            .AddCheck<IngestionCheck>("ingestion", tags: ["ready"])
            .AddCheck<ServicesCheck>("services", tags: ["ready"]);

        var otlp = !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = services.AddOpenTelemetry().WithMetrics(m =>
        {
            m.AddMeter(StoreMetrics.MeterName, IngestionMetrics.MeterName, SessionMetrics.MeterName);
            // Npgsql's own meter: connections in use and idle, pending requests, command durations (docs/operations.md).
            m.AddNpgsqlInstrumentation();
            m.AddPrometheusExporter();
            if (otlp)
                m.AddOtlpExporter();
        });
        // Spans are only exported over OTLP (there is no trace endpoint to scrape): without one, none are recorded.
        if (otlp)
            telemetry.WithTracing(t => t.AddNpgsql().AddOtlpExporter());
        return builder;
    }

    /// <summary>
    /// The Systemd hosting package's notifier and lifetime (READY=1 once started, STOPPING=1 when a stop begins, SIGTERM
    /// stops the host) whenever a notify socket is given, and <see cref="SystemdWatchdog"/> for the watchdog and status.
    /// Not <c>UseSystemd()</c>: that turns on only when the parent process is systemd, while any supervisor that hands
    /// <c>$NOTIFY_SOCKET</c> speaks the same protocol (the tests do), and it replaces the console formatter the unit's
    /// environment chooses (<c>Logging__Console__FormatterName=json</c>) with its own.
    /// </summary>
    private static void AddSystemd(IServiceCollection services)
    {
        var notifier = new SystemdNotifier();
        services.AddSingleton<ISystemdNotifier>(notifier);
        if (notifier.IsEnabled)
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
        services.AddHostedService<SystemdWatchdog>();
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
