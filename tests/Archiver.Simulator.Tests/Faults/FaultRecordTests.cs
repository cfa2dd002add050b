using System.Net;
using System.Text.Json;
using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Faults;

/// <summary>
/// <c>GET /control/faults</c>: one row per fault and affected socket (or target), with what the world had emitted for the
/// consumer when it struck, what it has emitted since, and how many frames the fault touched on the wire.
/// </summary>
public sealed class FaultRecordTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(6);

    public static TheoryData<string, object, int> SocketFaults => new()
    {
        // kind, request, the exact wire effect once it has played out
        { "drop", new { kind = "drop" }, 1 },
        { "close4401", new { kind = "close4401" }, 1 },
        { "close4407", new { kind = "close4407" }, 1 },
        { "malformed", new { kind = "malformed" }, 3 },
        { "oversized", new { kind = "oversized", bytes = 100_000 }, 1 },
        { "duplicate", new { kind = "duplicate", count = 2 }, 2 },
    };

    [Theory]
    [MemberData(nameof(SocketFaults))]
    public async Task A_socket_fault_is_recorded_with_the_emitted_counts_and_its_wire_effect(string kind, object fault, int wireEffect)
    {
        await using var scene = await Scene.StartAsync();
        var sim = scene.Sim;
        await scene.AgentSaysAsync("one");
        await scene.AgentSaysAsync("two");
        await scene.Ws.WaitForAsync(f => f.IsMessaging, 2, what: "two messages");
        await scene.Ws.QuietAsync(TimeSpan.FromMilliseconds(100));
        var emitted = await EmittedAsync(sim, scene.Consumer.Id);
        Assert.Equal(4, emitted); // two states (opened, accepted) and two sequenced messages

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var affected = await sim.ControlAsync("faults", WithConsumer(fault, scene.Consumer.Id));
        Assert.Equal(1, affected.Prop("affected").GetInt32());

        // The fault plays out on the wire …
        if (kind is "drop" or "close4401" or "close4407")
            Assert.Same(scene.Ws.Ended, await Task.WhenAny(scene.Ws.Ended, Task.Delay(Soon)));
        var row = await RowAsync(sim, kind, r => r.Prop("wireEffect").GetInt64() >= wireEffect);
        Assert.Equal(scene.Consumer.Id, row.Str("consumerId"));
        Assert.InRange(row.Prop("appliedAtMs").GetInt64(), before - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.Equal(emitted, row.Prop("emittedBefore").GetInt64());
        Assert.Equal(emitted, row.Prop("emittedAfter").GetInt64()); // nothing since

        // … and the world carries on: emittedAfter is counted when asked.
        await scene.AgentSaysAsync("three");
        await sim.ControlAsync($"conversations/{scene.ConversationId}/ttr", new { ttrType = "URGENT", value = 600 });
        row = await RowAsync(sim, kind, _ => true);
        Assert.Equal(emitted, row.Prop("emittedBefore").GetInt64());
        Assert.Equal(emitted + 2, row.Prop("emittedAfter").GetInt64());
        Assert.Equal(wireEffect, row.Prop("wireEffect").GetInt64());
    }

    [Fact]
    public async Task Timing_faults_count_the_frames_they_held_back_or_shuffled_and_a_silence_counts_once()
    {
        await using var scene = await Scene.StartAsync();
        var sim = scene.Sim;

        // A delay with nothing to send touched nothing yet; frames sent meanwhile were held.
        await sim.FaultAsync(new { kind = "delay", consumerId = scene.Consumer.Id, durationMs = 800 });
        Assert.Equal(0, (await RowAsync(sim, "delay", _ => true)).Prop("wireEffect").GetInt64());
        var mark = scene.Ws.Count;
        for (var i = 0; i < 3; i++)
            await scene.AgentSaysAsync($"delayed {i}");
        await scene.Ws.WaitForAsync(f => f.IsMessaging, from: mark, what: "the delayed messages");
        Assert.InRange((await RowAsync(sim, "delay", r => r.Prop("wireEffect").GetInt64() > 0)).Prop("wireEffect").GetInt64(), 1, 3);

        // A reorder: the frames it shuffled, and the stale state the next subscription gets.
        await sim.FaultAsync(new { kind = "reorder", consumerId = scene.Consumer.Id, count = 4 });
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => scene.AgentSaysAsync($"shuffled {i}")));
        var reordered = await RowAsync(sim, "reorder", r => r.Prop("wireEffect").GetInt64() >= 4);
        await scene.Ws.RequestOkAsync("cqm.SubscribeExConversations", new { convState = new[] { "OPEN", "CLOSE" } });
        await RowAsync(sim, "reorder", r => r.Prop("wireEffect").GetInt64() == reordered.Prop("wireEffect").GetInt64() + 1);

        // A silence counts one silent period, however many frames and reads it held back.
        await sim.FaultAsync(new { kind = "silence", consumerId = scene.Consumer.Id, durationMs = 700 });
        var id = await scene.Ws.SendRequestAsync(".GetClock");
        await scene.AgentSaysAsync("during the silence");
        await scene.Ws.WaitResponseAsync(id, TimeSpan.FromSeconds(5));
        Assert.Equal(1, (await RowAsync(sim, "silence", r => r.Prop("wireEffect").GetInt64() > 0)).Prop("wireEffect").GetInt64());
    }

    [Fact]
    public async Task Owed_statuses_are_one_row_each_idp_has_no_consumer_and_a_ws_status_may_be_one_consumers()
    {
        await using var scene = await Scene.StartAsync();
        var sim = scene.Sim;
        await using var other = await Scene.OnAsync(sim);

        await sim.FaultAsync(new { kind = "status", target = "idp", code = 429, count = 1 });
        var idp = await RowAsync(sim, "status", _ => true);
        Assert.Equal(JsonValueKind.Null, idp.Prop("consumerId").ValueKind);
        Assert.Equal(await EmittedAsync(sim, null), idp.Prop("emittedBefore").GetInt64()); // every consumer's
        Assert.Equal(0, idp.Prop("wireEffect").GetInt64());
        using (var refused = await sim.Http.PostAsync($"api/account/{sim.Account}/signup", null))
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(1, (await RowAsync(sim, "status", _ => true)).Prop("wireEffect").GetInt64());

        // Owed to one consumer: the other consumer's requests are not answered with it.
        await sim.FaultAsync(new { kind = "status", code = 500, count = 1, consumerId = scene.Consumer.Id });
        await other.Ws.RequestOkAsync(".GetClock");
        Assert.Equal(500, (await scene.Ws.RequestAsync(".GetClock")).Code);
        var rows = (await sim.GetAsync("faults")).EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(scene.Consumer.Id, rows[1].Str("consumerId"));
        Assert.Equal(1, rows[1].Prop("wireEffect").GetInt64());
        Assert.Equal(await EmittedAsync(sim, scene.Consumer.Id), rows[1].Prop("emittedBefore").GetInt64());
    }

    [Fact]
    public async Task One_row_per_affected_socket()
    {
        await using var scene = await Scene.StartAsync();
        await using var second = await UmsClient.ConnectAsync(scene.Sim.UmsUri, scene.Consumer.Jwt);
        await second.RequestOkAsync(".GetClock");
        Assert.Equal(2, (await scene.Sim.FaultAsync(new { kind = "malformed", consumerId = scene.Consumer.Id })).Prop("affected").GetInt32());
        await Eventually(async () =>
        {
            var rows = (await scene.Sim.GetAsync("faults")).EnumerateArray().ToList();
            return rows.Count == 2 && rows.All(r => r.Str("consumerId") == scene.Consumer.Id && r.Prop("wireEffect").GetInt64() == 3);
        }, () => "two rows of three frames each");
        var consumers = (await scene.Sim.GetAsync("consumers")).EnumerateArray().Single(c => c.Str("consumerId") == scene.Consumer.Id);
        Assert.Equal(await EmittedAsync(scene.Sim, scene.Consumer.Id), consumers.Prop("emitted").GetInt64());
    }

    private static Dictionary<string, object> WithConsumer(object fault, string consumerId)
    {
        var fields = JsonSerializer.SerializeToElement(fault).EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value);
        fields["consumerId"] = consumerId;
        return fields;
    }

    /// <summary>Sequenced changes plus state versions, counted from the ground truth.</summary>
    private static async Task<long> EmittedAsync(Sim sim, string? consumerId)
    {
        var truth = await sim.GroundTruthAsync(consumerId);
        return truth.GetProperty("conversations").EnumerateArray()
            .Sum(c => c.GetProperty("states").GetArrayLength() + c.GetProperty("dialogs").EnumerateArray().Sum(d => d.GetProperty("events").GetArrayLength()));
    }

    /// <summary>The last row of this kind, once it satisfies <paramref name="until"/>.</summary>
    private static async Task<JsonElement> RowAsync(Sim sim, string kind, Func<JsonElement, bool> until)
    {
        JsonElement? found = null;
        await Eventually(async () =>
        {
            found = (await sim.GetAsync("faults")).EnumerateArray().LastOrDefault(r => r.Str("kind") == kind);
            return found is { } row && until(row);
        }, () => $"a {kind} row: {found?.GetRawText() ?? "none"}");
        return found!.Value;
    }

    private static async Task Eventually(Func<Task<bool>> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow + Soon;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(what());
            await Task.Delay(50);
        }
    }
}
