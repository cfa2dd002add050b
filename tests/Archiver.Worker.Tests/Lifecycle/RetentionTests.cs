using Archiver.Testing;
using Archiver.Worker.Lifecycle;
using Archiver.Worker.Tests.Harness;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Tests.Lifecycle;

/// <summary>
/// Retention (issue 14): the longest matching rule decides, what it makes due is disposed of unless a legal hold keeps
/// it, through the commands an operator runs and on the worker's schedule; bad rules are named. Each test has its own database.
/// </summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Plan_and_run_follow_the_longest_matching_rule_and_keep_what_a_hold_keeps()
    {
        await using var lifecycle = await LifecycleArchive.CreateAsync();
        var archive = lifecycle.Archive;
        // Alpha and Bravo ended on 2024-05-01 (skill 1089636032, brand 64467156); Charlie is still open.
        var environment = archive.Environment();
        environment["Retention__Rules__0__Name"] = "support-short";
        environment["Retention__Rules__0__Days"] = "30";
        environment["Retention__Rules__0__Skills__0"] = "1089636032";
        environment["Retention__Rules__1__Name"] = "brand-decade";
        environment["Retention__Rules__1__Days"] = "3650";
        environment["Retention__Rules__1__Brands__0"] = "64467156";

        var kept = await ProcessRunner.ArchiverAsync(environment, "retention", "plan");
        Assert.True(kept.ExitCode == 0, kept.StandardError);
        Assert.Equal(
            ["rule support-short (30 days): 0 to dispose of; 0 held", "rule brand-decade (3650 days): 0 to dispose of; 0 held",
             "total: 0 conversation(s) to dispose of, 0 kept by legal holds"],
            Lines(kept.StandardOutput));

        environment["Retention__Rules__1__Days"] = "400";
        await lifecycle.Holds().CreateAsync("C-7", "dispute", new HoldScope([archive.Bravo.Id], [], [], null, null, null), CancellationToken.None);
        var plan = await ProcessRunner.ArchiverAsync(environment, "retention", "plan");
        Assert.Equal(
            ["rule support-short (30 days): 0 to dispose of; 0 held", "rule brand-decade (400 days): 1 to dispose of, ended 2024-05-01 to 2024-05-01; 1 held",
             "total: 1 conversation(s) to dispose of, 1 kept by legal holds"],
            Lines(plan.StandardOutput));
        Assert.Equal(3, await archive.ScalarAsync<long>("SELECT count(*) FROM readmodel.conversations")); // a plan changes nothing

        var run = await ProcessRunner.ArchiverAsync(environment, "retention", "run");
        Assert.True(run.ExitCode == 0, run.StandardError);
        var lines = Lines(run.StandardOutput);
        Assert.Matches($"^disposed of {archive.Alpha.Id}: \\d+ event\\(s\\), certificate 1$", lines[0]);
        Assert.Equal($"kept {archive.Bravo.Id}: under legal hold", lines[1]);
        Assert.Equal("disposed of 1 conversation(s); 1 kept", lines[2]);
        Assert.Equal(new[] { archive.Bravo.Id, archive.Charlie.Id }.Order(StringComparer.Ordinal),
            await DisposalTests.ListAsync<string>(archive, "SELECT conversation_id FROM readmodel.conversations ORDER BY conversation_id COLLATE \"C\""));
        var basis = await archive.ScalarAsync<string>("SELECT statement::json->'basis'->>'rule' || '/' || (statement::json->'basis'->>'days') FROM archive.certificates");
        Assert.Equal("brand-decade/400", basis);
        Assert.True((await lifecycle.VerifyAsync()).Intact);

        var status = await ProcessRunner.ArchiverAsync(environment, "status", "--json");
        using var json = System.Text.Json.JsonDocument.Parse(status.StandardOutput);
        var figures = json.RootElement.GetProperty("lifecycle");
        Assert.Equal((1, 0, 1, 0), (figures.GetProperty("disposals").GetInt64(), figures.GetProperty("erasures").GetInt64(),
            figures.GetProperty("activeHolds").GetInt64(), figures.GetProperty("releasedHolds").GetInt64()));
    }

    [Fact]
    public async Task The_worker_runs_retention_at_start_and_on_its_schedule_as_the_lifecycle_login()
    {
        await using var lifecycle = await LifecycleArchive.CreateAsync();
        var archive = lifecycle.Archive;
        var clock = new TimerSignallingTimeProvider();
        clock.SetUtcNow(new DateTimeOffset(2024, 5, 20, 0, 0, 0, TimeSpan.Zero)); // 19 days after Alpha and Bravo ended
        var options = Options.Create(new RetentionOptions
        {
            Rules = [new RetentionRule { Name = "month", Days = 30 }],
            RunEveryHours = 24,
            LifecycleConnectionString = archive.ConnectionString,
        });
        using var service = new RetentionService(options, clock, NullLogger<RetentionService>.Instance);

        await service.StartAsync(CancellationToken.None);
        await clock.TimerCreated.WaitAsync(TimeSpan.FromMinutes(1)); // the first run is over: it waits for the next
        Assert.Equal(3, await archive.ScalarAsync<long>("SELECT count(*) FROM readmodel.conversations"));

        clock.Advance(TimeSpan.FromDays(12)); // past the 30 days: the next run disposes of both
        await clock.TimerCreated.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(archive.Charlie.Id, await archive.ScalarAsync<string>("SELECT string_agg(conversation_id, ',') FROM readmodel.conversations"));
        Assert.Equal(2, await archive.ScalarAsync<long>("SELECT count(*) FROM archive.certificates"));
        await service.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData("Days", "0", "Retention__Rules__0__Days must be between 1 and 36500")]
    [InlineData("ConsumerModes__0", "Anonymous", "Retention__Rules__0__ConsumerModes: 'Anonymous' is not a consumer mode")]
    [InlineData("Name", "", "Retention__Rules__0__Name is required.")]
    public async Task A_bad_rule_is_refused_naming_its_key(string key, string value, string message)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Archive"] = "Host=127.0.0.1;Username=nobody;Password=secret-password;Database=none",
            ["Retention__Rules__0__Name"] = "r",
            ["Retention__Rules__0__Days"] = "30",
            [$"Retention__Rules__0__{key}"] = value,
        };

        var refused = await ProcessRunner.ArchiverAsync(environment, "retention", "plan");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(message, refused.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", refused.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schedule_needs_the_lifecycle_login_and_rules()
    {
        var result = new RetentionOptionsValidator().Validate(null, new RetentionOptions { RunEveryHours = 24 });

        Assert.Equal(
            ["Retention__RunEveryHours is set but there are no Retention__Rules: nothing would ever be disposed of.",
             "Retention__RunEveryHours needs ConnectionStrings__Lifecycle: disposal runs as the tables' owner, never as the worker's login."],
            result.Failures);
    }

    private static string[] Lines(string output) => output.Trim().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
}
