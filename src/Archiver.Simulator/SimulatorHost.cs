using Archiver.Simulator.Configuration;
using Archiver.Simulator.Control;
using Archiver.Simulator.Faults;
using Archiver.Simulator.Identity;
using Archiver.Simulator.Traffic;
using Archiver.Simulator.Ums;
using Archiver.Simulator.World;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Archiver.Simulator;

/// <summary>The simulator as a Kestrel app on 127.0.0.1: started by Program, or in-process by tests and benchmarks.</summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorHost(WebApplication app, Uri baseUri, string account)
    {
        _app = app;
        BaseUri = baseUri;
        Account = account;
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri BaseUri { get; }

    public string Account { get; }

    public string HostAndPort => BaseUri.Authority;

    public static async Task<SimulatorHost> StartAsync(SimulatorSettings settings, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Parse(settings.Address), settings.Port));
        // A worker starting thousands of consumer sessions connects them all at once (bench/run fleet); Kestrel's default
        // accept backlog of 512 would drop the rest of the SYNs and stretch their connects by retransmission seconds.
        builder.WebHost.UseSockets(o => o.Backlog = 4096);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SimulatorWorld>();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<FaultBoard>();
        builder.Services.AddSingleton<SimulatorStats>();
        builder.Services.AddSingleton<ScenarioRunner>();
        builder.Services.AddSingleton<LoadRunner>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver()));

        var app = builder.Build();
        app.Use(SilenceGate.Install); // before UseWebSockets: the silence fault gates the raw connection
        app.UseWebSockets();
        app.MapCsds();
        app.MapIdp();
        app.MapUms();
        app.MapControl();
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatorHost(app, new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/"), settings.Account);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(quick.Token);
        }
        catch (OperationCanceledException)
        {
            // Sockets that do not close in time are cut.
        }
        await _app.DisposeAsync();
    }
}
