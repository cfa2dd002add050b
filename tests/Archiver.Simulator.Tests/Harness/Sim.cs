using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Archiver.Simulator.Tests.Harness;

/// <summary>An in-process simulator (127.0.0.1, free port) and a real HttpClient to it.</summary>
public sealed class Sim : IAsyncDisposable
{
    private Sim(SimulatorHost host, SimulatorSettings settings)
    {
        Host = host;
        Settings = settings;
        Http = new HttpClient { BaseAddress = host.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public SimulatorHost Host { get; }

    public SimulatorSettings Settings { get; }

    public HttpClient Http { get; }

    public string Account => Host.Account;

    public Uri UmsUri => new($"ws://{Host.HostAndPort}/ws_api/account/{Account}/messaging/consumer?v=3");

    public static async Task<Sim> StartAsync(SimulatorSettings? settings = null)
    {
        settings ??= new SimulatorSettings();
        return new Sim(await SimulatorHost.StartAsync(settings), settings);
    }

    /// <summary>POST /api/account/{a}/signup → the consumer JWT and its sub.</summary>
    public async Task<Consumer> SignupAsync()
    {
        using var response = await Http.PostAsync($"api/account/{Account}/signup", null);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var jwt = body.RootElement.GetProperty("jwt").GetString()!;
        return new Consumer(jwt, Jwt.Payload(jwt).GetProperty("sub").GetString()!);
    }

    /// <summary>A signed-up consumer with a connected socket.</summary>
    public async Task<(Consumer Consumer, UmsClient Client)> ConnectNewConsumerAsync()
    {
        var consumer = await SignupAsync();
        return (consumer, await UmsClient.ConnectAsync(UmsUri, consumer.Jwt));
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) =>
        Http.PostAsync(path, new StringContent(body is null ? "{}" : body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));

    /// <summary>POST to the control API, asserting success; the JSON answer (or an empty object).</summary>
    public async Task<JsonElement> ControlAsync(string path, object? body = null)
    {
        using var response = await PostAsync("control/" + path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /control/{path} → {(int)response.StatusCode} {text}");
        return text.Length == 0 ? JsonDocument.Parse("{}").RootElement : JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<JsonElement> FaultAsync(object fault) => ControlAsync("faults", fault);

    /// <summary>GET a control endpoint's JSON.</summary>
    public async Task<JsonElement> GetAsync(string path)
    {
        var text = await Http.GetStringAsync("control/" + path);
        return JsonDocument.Parse(text, Frame.Parsing).RootElement.Clone();
    }

    public async Task<long> StatAsync(string name)
    {
        var stats = await Http.GetFromJsonAsync<Dictionary<string, long>>("control/stats");
        return stats!.GetValueOrDefault(name);
    }

    public async Task<JsonElement> GroundTruthAsync(string? consumerId = null)
    {
        var text = await Http.GetStringAsync("control/ground-truth" + (consumerId is null ? "" : "?consumerId=" + consumerId));
        return JsonDocument.Parse(text, Frame.Parsing).RootElement.Clone(); // hostile in-band content is 200 levels deep
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}

public sealed record Consumer(string Jwt, string Id);
