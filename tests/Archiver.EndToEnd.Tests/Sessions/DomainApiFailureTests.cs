using System.Net;
using Archiver.EndToEnd.Tests.Harness;
using Archiver.Simulator;
using Archiver.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Archiver.EndToEnd.Tests.Sessions;

/// <summary>
/// A domain API (CSDS) answer the worker cannot use — a proxy's HTML page, a host that is not one — is a logged, retried
/// failure: the worker stays up, and archives once the answer is valid again. The domain API here is a small server on
/// loopback in front of the simulator's.
/// </summary>
public sealed class DomainApiFailureTests
{
    private const string ProxyPage = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";

    [Theory]
    [InlineData("html", "The domain API answered something that is not its JSON (text/html).")]
    [InlineData("malformed-host", "The domain API named a malformed host for service 'asyncMessagingEnt'.")]
    public async Task An_answer_the_worker_cannot_use_is_retried_until_it_is_valid(string answer, string logged)
    {
        await using var run = await EndToEndRun.StartAsync(1, new SimulatorSettings { Seed = 23 }, modes: ["Signup"]);
        var mode = answer;
        var asked = 0;
        using var simulator = new HttpClient { BaseAddress = run.Simulator.BaseUri };
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var csds = builder.Build();
        csds.MapGet("/api/account/{account}/service/baseURI.json", async (string account, HttpContext http) =>
        {
            Interlocked.Increment(ref asked);
            return Volatile.Read(ref mode) switch
            {
                "html" => Results.Content(ProxyPage, "text/html", statusCode: 200),
                "malformed-host" => Results.Json(new
                {
                    baseURIs = new[]
                    {
                        new { service = "asyncMessagingEnt", account, baseURI = "bad host/<b>" },
                        new { service = "idp", account, baseURI = run.Simulator.HostAndPort },
                    },
                }),
                // Valid again: the simulator's own answer, which names the simulator.
                _ => Results.Content(await simulator.GetStringAsync(http.Request.Path + http.Request.QueryString), "application/json"),
            };
        });
        await csds.StartAsync();

        var worker = run.StartWorker(e => e["LivePerson__CsdsUrl"] = csds.Urls.First().TrimEnd('/'));
        // Retried: the failure is logged attempt after attempt, with our message only (not the page, not the host).
        await Eventually.HoldsAsync(() => Task.FromResult((run.Output.Count(l => l.Contains(logged, StringComparison.Ordinal)) >= 3, run.Tail())),
            TimeSpan.FromSeconds(60), "The failure logged and retried");
        Assert.True(Volatile.Read(ref asked) >= 3);
        Assert.False(worker.HasExited, run.Tail());
        using (var http = new HttpClient { BaseAddress = await ObservabilityTests.ListeningOnAsync(run) })
        {
            using var live = await http.GetAsync("/health/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            using var ready = await http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode); // not connected: honest
        }
        Assert.DoesNotContain(run.Output, l => l.Contains("Bad Gateway", StringComparison.Ordinal) || l.Contains("bad host", StringComparison.Ordinal));

        Volatile.Write(ref mode, "valid");
        await run.ConsumersConnectedAsync(TimeSpan.FromSeconds(60));
        await run.PostAsync("/control/scenario", new { conversationsPerConsumer = 2, paceMs = 0 });
        await run.ArchiveEqualsGroundTruthAsync(TimeSpan.FromMinutes(1));
        Assert.False(worker.HasExited, run.Tail());
        Assert.Equal(0, await worker.StopAsync(TimeSpan.FromSeconds(30)));
        await ScenarioArchiveTests.AssertNoSecretsLoggedAsync(run);
    }
}
