using System.Net;
using Archiver.Worker.Hosting;
using Archiver.Worker.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Archiver.Worker.Tests.Sessions;

/// <summary>A LivePerson HTTP answer is capped: a domain API that answers megabytes fails the lookup, it is not held whole.</summary>
public sealed class HttpLimitTests
{
    [Fact]
    public async Task A_domain_api_answer_over_the_cap_is_refused_and_one_under_it_is_read()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        var padding = new string(' ', ConsumerSessionsExtensions.MaxHttpResponseBytes); // whitespace is valid JSON padding
        app.MapGet("/big/api/account/1/service/baseURI.json", () => Results.Text("{\"baseURIs\":[]}" + padding, "application/json"));
        app.MapGet("/small/api/account/1/service/baseURI.json", () => Results.Text(
            """{"baseURIs":[{"service":"asyncMessagingEnt","baseURI":"a.example"},{"service":"idp","baseURI":"i.example"}]}""", "application/json"));
        await app.StartAsync();
        var server = app.Urls.First().TrimEnd('/');

        DomainDirectory Directory(string path)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["LivePerson:AccountId"] = "1",
                ["LivePerson:CsdsUrl"] = server + path,
            }).Build();
            var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSingleton(TimeProvider.System).AddLogging().AddMetrics();
            services.AddConsumerSessions();
            return services.BuildServiceProvider().GetRequiredService<DomainDirectory>();
        }

        await Assert.ThrowsAsync<HttpRequestException>(() => Directory("/big").GetAsync(CancellationToken.None));
        Assert.Equal("a.example", (await Directory("/small").GetAsync(CancellationToken.None)).Host("asyncMessagingEnt"));
    }
}
