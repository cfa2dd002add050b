using System.Text.Json;
using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Traffic;

/// <summary>
/// The year scenario (docs/simulator.md, "The year"): fifty past conversations over three consumers, spread over the
/// last 365 days, every one closed, skills rotating — played once for the class and read back from the ground truth.
/// </summary>
public sealed class YearScenarioTests(YearScenarioTests.Played year) : IClassFixture<YearScenarioTests.Played>
{
    private static readonly long Day = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    [Fact]
    public void The_run_answers_its_conversations_in_order_and_the_now_it_counted_back_from()
    {
        Assert.Equal(50, year.Ids.Count);
        Assert.Equal(50, year.Ids.Distinct().Count());
        Assert.InRange(year.NowMs, year.BeforeMs, year.AfterMs);
        Assert.Equal(year.Ids, year.Truth.Conversations.Select(c => c.Str("conversationId")));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), year.Truth.Conversations.Select(c => c.Prop("scenario").Num("index")!.Value));
    }

    [Fact]
    public void Conversation_i_belongs_to_consumer_i_mod_k_and_has_skill_i_mod_3()
    {
        string[] skills = ["1001", "1002", "1003"];
        string[] names = ["sales", "support", "collections"];
        foreach (var (c, i) in year.Truth.Conversations.Select((c, i) => (c, i)))
        {
            Assert.Equal(year.Consumers[i % year.Consumers.Count], c.Str("consumerId"));
            Assert.Equal(skills[i % 3], c.Str("skillId"));
            Assert.Equal(names[i % 3], c.Prop("scenario").Str("skillName"));
            var details = YearTruth.LastState(c).Prop("conversationDetails");
            Assert.Equal(skills[i % 3], details.Str("skillId"));
            Assert.Equal(year.Sim.Account, details.Str("brandId"));
        }
    }

    [Fact]
    public void Every_timestamp_is_in_the_past_year_and_the_starts_are_spread_over_it()
    {
        var yearAgo = year.NowMs - 365 * Day;
        foreach (var c in year.Truth.Conversations)
        {
            Assert.All(YearTruth.Timestamps(c), t => Assert.True(t.Ms >= year.NowMs - 366 * Day && t.Ms <= year.NowMs,
                $"{c.Str("conversationId")} {t.Where} {DateTimeOffset.FromUnixTimeMilliseconds(t.Ms):O} is not in the past year"));
        }
        var starts = year.Truth.Conversations.Select(c => c.Num("startTs")!.Value).ToList();
        Assert.Equal(starts.Order(), starts);
        Assert.InRange(starts[0], yearAgo, yearAgo + 31 * Day);
        Assert.InRange(starts[^1], year.NowMs - 31 * Day, year.NowMs);
        // Evenly: conversation i within a few hours after now − 365 d + i × 365 d / 50.
        Assert.All(starts.Select((s, i) => (s, i)), x => Assert.InRange(x.s - (yearAgo + (long)(x.i * 365.0 / 50 * Day)), 0, 6 * 3_600_000L));
    }

    [Fact]
    public void Each_conversation_keeps_its_timestamps_between_its_start_and_the_next_ones_start_minutes_apart()
    {
        var conversations = year.Truth.Conversations;
        for (var i = 0; i < conversations.Count; i++)
        {
            var c = conversations[i];
            var start = c.Num("startTs")!.Value;
            var next = i + 1 < conversations.Count ? conversations[i + 1].Num("startTs")!.Value : year.NowMs;
            Assert.All(YearTruth.Timestamps(c), t => Assert.InRange(t.Ms, start, next - 1));
            var end = c.Num("endTs")!.Value;
            Assert.InRange(end - start, 5 * 60_000L, Day); // minutes apart, not real-time pacing
            foreach (var dialog in c.GetProperty("dialogs").EnumerateArray())
            {
                var times = dialog.GetProperty("events").EnumerateArray().Select(e => e.Num("serverTimestamp")!.Value).ToList();
                Assert.Equal(times.Order(), times);
                Assert.All(times, t => Assert.InRange(t, start, end));
            }
            var updates = c.GetProperty("states").EnumerateArray().Select(s => s.Prop("conversationDetails").Num("metaDataLastUpdateTs")!.Value).ToList();
            Assert.True(updates.Zip(updates.Skip(1)).All(p => p.First < p.Second), "state versions must have strictly later metaDataLastUpdateTs");
            Assert.All(c.GetProperty("states").EnumerateArray(), s => Assert.Equal(start, s.Prop("conversationDetails").Num("startTs")));
        }
    }

    [Fact]
    public void Every_conversation_is_closed_with_both_sides_writing_and_reading()
    {
        foreach (var c in year.Truth.Conversations)
        {
            var details = YearTruth.LastState(c).Prop("conversationDetails");
            Assert.Equal("CLOSE", details.Str("state"));
            Assert.Equal("CLOSE", details.Str("stage"));
            Assert.Equal(c.Num("endTs"), details.Num("endTs"));
            Assert.True(details.Num("endTs") >= details.Num("startTs"));
            Assert.All(details.GetProperty("dialogs").EnumerateArray(), d => Assert.Equal("CLOSE", d.Str("state")));
            var events = YearTruth.Events(c).Values.ToList();
            foreach (var role in new[] { "CONSUMER", "ASSIGNED_AGENT" })
            {
                Assert.Contains(events, e => e.Prop("originatorMetadata").Str("role") == role && e.Prop("event").Str("type") == "ContentEvent");
                Assert.Contains(events, e => e.Prop("originatorMetadata").Str("role") == role && e.Prop("event").Str("type") == "AcceptStatusEvent");
            }
        }
    }

    [Fact]
    public void Endings_vary_and_some_conversations_have_a_survey_answer()
    {
        var endings = year.Truth.Conversations.Select(c => c.Prop("scenario").Str("ending")).ToList();
        Assert.Equal(["agent-close", "consumer-close-csat", "survey"], endings.Distinct().Order());
        foreach (var c in year.Truth.Conversations)
        {
            var survey = c.GetProperty("dialogs").EnumerateArray().Where(d => d.Str("dialogType") == "POST_SURVEY").ToList();
            var ending = c.Prop("scenario").Str("ending");
            Assert.Equal(ending == "survey", survey.Count == 1);
            if (survey.Count == 1)
                Assert.Contains(survey[0].GetProperty("events").EnumerateArray(),
                    e => e.Prop("metadata") is { ValueKind: JsonValueKind.Array } m && m[0].Str("type") == "Answer" && e.Prop("event").Str("type") == "ContentEvent");
            Assert.Equal(ending == "consumer-close-csat", YearTruth.LastState(c).Prop("conversationDetails").Prop("csat").ValueKind == JsonValueKind.Object);
        }
        Assert.Contains(year.Truth.Conversations, c => c.Prop("scenario").GetProperty("transferred").GetBoolean());
    }

    [Fact]
    public async Task The_real_clock_is_untouched_a_live_conversation_starts_now()
    {
        var live = (await year.Sim.ControlAsync($"consumers/{year.Consumers[0]}/conversations", new { skillId = "1001" })).Str("conversationId");
        var truth = await year.Sim.GroundTruthAsync(year.Consumers[0]);
        var conversation = truth.GetProperty("conversations").EnumerateArray().Single(c => c.Str("conversationId") == live);
        Assert.True(conversation.Num("startTs") >= year.AfterMs, "a conversation opened after the year starts in the present");
        Assert.Equal(JsonValueKind.Null, conversation.Prop("endTs").ValueKind);
        Assert.Equal(JsonValueKind.Undefined, conversation.Prop("scenario").ValueKind);
    }

    /// <summary>The year, played once: three signed-up consumers, fifty conversations.</summary>
    public sealed class Played : IAsyncLifetime
    {
        private Sim? _sim;

        public Sim Sim => _sim ?? throw new InvalidOperationException("not started");

        public IReadOnlyList<string> Consumers { get; private set; } = [];

        public IReadOnlyList<string> Ids { get; private set; } = [];

        public long NowMs { get; private set; }

        public long BeforeMs { get; private set; }

        public long AfterMs { get; private set; }

        public YearTruth Truth { get; private set; } = new([]);

        public async Task InitializeAsync()
        {
            _sim = await Sim.StartAsync(new SimulatorSettings { Seed = 5 });
            var consumers = new List<string>();
            for (var i = 0; i < 3; i++)
                consumers.Add((await _sim.SignupAsync()).Id);
            Consumers = consumers;
            BeforeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var answer = await _sim.ControlAsync("scenario/year", new { consumers, conversations = 50 });
            AfterMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Ids = answer.GetProperty("conversations").EnumerateArray().Select(c => c.GetString()!).ToList();
            NowMs = answer.Num("nowMs")!.Value;
            Truth = await YearTruth.ReadAsync(_sim);
        }

        public async Task DisposeAsync()
        {
            if (_sim is not null)
                await _sim.DisposeAsync();
        }
    }
}
