using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Archiver.Domain.Events;
using Archiver.Worker.Projections;
using Archiver.Worker.ReadSide;
using Archiver.Worker.WebConsole;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Archiver.Bench;

/// <summary>
/// <c>bench/run console</c>: the reviewer console on the 1,000,000-event benchmark archive (plus one conversation of
/// 1,000 messages and 200 messages naming an invoice each), signed in, over HTTP on loopback: a text search's first page
/// (a rare term: an invoice number, as investigators search) and the 1,000-message conversation's page, each request as
/// a user makes it (rendering, the access audit row). The baseline is the same search run straight on the read side
/// (no HTTP, no page, no audit). Latencies are per request; <c>rate</c> is searches per second over HTTP.
/// </summary>
public static partial class ConsoleBenchmark
{
    private const string Password = "benchmark-password";

    public static async Task<BenchmarkResult> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var count = BenchmarkRunner.IntArgument(args, "--events", 1_000_000);
        var searches = BenchmarkRunner.IntArgument(args, "--searches", 200);
        await using var archive = await BenchDatabase.CreateAsync("console");
        var (bigDialog, invoices) = await LoadAsync(archive, count, searches, cancellationToken);

        // The console, in this process, on the archive, with one local account.
        var directory = Directory.CreateTempSubdirectory("archiver-bench-console-").FullName;
        LocalAccounts.Save(Path.Combine(directory, "users.json"), "bench", Password, [ConsoleRoles.Investigator]);
        Environment.SetEnvironmentVariable("ConnectionStrings__Archive", archive.ConnectionString);
        Environment.SetEnvironmentVariable("Console__UsersFile", Path.Combine(directory, "users.json"));
        Environment.SetEnvironmentVariable("Console__Port", "0");
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        await using var console = ConsoleHost.Build();
        await console.StartAsync(cancellationToken);
        var address = console.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };
        await SignInAsync(http, cancellationToken);

        // Warm up: JIT, the plan cache, the pages' first rendering.
        foreach (var invoice in invoices.Take(10))
            await GetAsync(http, $"/search?q={invoice}", cancellationToken);
        await GetAsync(http, $"/conversations/{bigDialog}", cancellationToken);

        var searchLatencies = new List<double>();
        var clock = Stopwatch.StartNew();
        foreach (var invoice in invoices)
        {
            var start = Stopwatch.GetTimestamp();
            var page = await GetAsync(http, $"/search?q={invoice}", cancellationToken);
            searchLatencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (!page.Contains("/conversations/", StringComparison.Ordinal))
                throw new InvalidOperationException($"The search for {invoice} found nothing.");
        }
        var httpRate = invoices.Count / clock.Elapsed.TotalSeconds;

        var conversationLatencies = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var page = await GetAsync(http, $"/conversations/{bigDialog}", cancellationToken);
            conversationLatencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (MessageRow().Count(page) < 1_000)
                throw new InvalidOperationException("The 1,000-message conversation's page holds fewer rows.");
        }

        // The baseline: the same searches straight on the read side.
        await using var connection = await archive.DataSource.OpenConnectionAsync(cancellationToken);
        clock.Restart();
        foreach (var invoice in invoices)
            _ = await ConversationSearch.SearchAsync(connection, TextSource.Original, new SearchCriteria(invoice), cancellationToken);
        var directRate = invoices.Count / clock.Elapsed.TotalSeconds;

        conversationLatencies.Sort();
        Console.Error.WriteLine(
            $"console: search first page over HTTP {httpRate:N1}/s (direct {directRate:N1}/s); conversation page of 1,000 messages p50 " +
            $"{BenchmarkRunner.Percentile(conversationLatencies, 50):F1} ms, p95 {BenchmarkRunner.Percentile(conversationLatencies, 95):F1} ms, " +
            $"p99 {BenchmarkRunner.Percentile(conversationLatencies, 99):F1} ms");
        await console.StopAsync(cancellationToken);
        Directory.Delete(directory, recursive: true);
        var result = BenchmarkResult.Of("console", count, httpRate, directRate, searchLatencies);
        return result with { ConversationP95 = Math.Round(BenchmarkRunner.Percentile(conversationLatencies, 95), 2) };
    }

    /// <summary>The benchmark archive, one 1,000-message conversation and 200 invoice numbers said once each; the read models rebuilt (untimed).</summary>
    private static async Task<(string BigDialog, List<string> Invoices)> LoadAsync(BenchDatabase archive, int count, int searches, CancellationToken cancellationToken)
    {
        var events = LivePersonTraffic.Generate(count);
        var big = LivePersonTraffic.Generate(1_250, eventsPerDialog: 1_250, seed: 7);
        var invoices = Enumerable.Range(0, searches).Select(i => $"INV{20260000 + i * 37}").ToList();
        var planted = new List<NewEvent>();
        for (var i = 0; i < invoices.Count; i++)
        {
            // A message well into the archive, in an existing dialog, names the invoice (its own sequence past the dialog's).
            var dialog = events[(i + 1) * (events.Count / (invoices.Count + 1))].StreamId;
            planted.Add(new NewEvent(dialog, 10_000 + i, "ContentEvent",
                $$"""{"sequence":{{10_000 + i}},"originatorId":"c","originatorMetadata":{"id":"c","role":"CONSUMER"},"serverTimestamp":1763900000000,"event":{"type":"ContentEvent","message":"about invoice {{invoices[i]}} please","contentType":"text/plain"},"conversationId":"{{dialog}}","dialogId":"{{dialog}}"}""",
                DateTimeOffset.FromUnixTimeMilliseconds(1_763_900_000_000)));
        }
        var rows = RawCopy.Rows([.. events, .. big, .. planted]);
        foreach (var chunk in rows.Chunk(50_000))
            await RawCopy.CopyAsync(archive, chunk, cancellationToken);
        await using (var head = archive.DataSource.CreateCommand($"UPDATE archive.log_head SET last_position = {rows.Count}"))
            await head.ExecuteNonQueryAsync(cancellationToken);
        var rebuilt = await new ProjectionRebuilder(archive.DataSource, [new TranscriptProjection(), new ReadModelsProjection(), new AgentsProjection()],
            TimeProvider.System).RebuildAsync(null, cancellationToken);
        await archive.CheckpointAsync();
        Console.Error.WriteLine($"console: {rebuilt:N0} events archived and projected; one conversation of {big.Count(e => e.Type == "ContentEvent"):N0} messages");
        return (big[0].StreamId, invoices);
    }

    private static async Task SignInAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var form = await GetAsync(http, "/signin", cancellationToken);
        var token = Token().Match(form).Groups[1].Value;
        using var response = await http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "bench", ["password"] = Password, ["returnUrl"] = "/search", ["__RequestVerificationToken"] = token,
        }), cancellationToken);
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Signing in answered {(int)response.StatusCode}.");
    }

    private static async Task<string> GetAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}.");
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    [GeneratedRegex("<tr class=\"message ")]
    private static partial Regex MessageRow();
}
