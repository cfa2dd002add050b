using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Faults;

/// <summary>Issue 3, acceptance 2: every fault of <c>POST /control/faults</c>, observed on the wire.</summary>
public sealed class FaultTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Drop_cuts_the_connection_without_a_close_frame()
    {
        await using var scene = await Scene.StartAsync();
        var affected = await scene.Sim.FaultAsync(new { kind = "drop", consumerId = scene.Consumer.Id });
        Assert.Equal(1, affected.GetProperty("affected").GetInt32());
        Assert.Same(scene.Ws.Ended, await Task.WhenAny(scene.Ws.Ended, Task.Delay(Soon)));
        Assert.Null(scene.Ws.CloseStatus);
        Assert.IsType<WebSocketException>(scene.Ws.Error);
        Assert.Equal(WebSocketState.Aborted, scene.Ws.Socket.State);
    }

    [Theory]
    [InlineData("close4401", 4401)]
    [InlineData("close4407", 4407)]
    public async Task Close_faults_close_with_their_code(string kind, int code)
    {
        await using var scene = await Scene.StartAsync();
        await scene.Sim.FaultAsync(new { kind, consumerId = scene.Consumer.Id });
        Assert.Same(scene.Ws.Ended, await Task.WhenAny(scene.Ws.Ended, Task.Delay(Soon)));
        Assert.Equal(code, (int?)scene.Ws.CloseStatus);
        Assert.Null(scene.Ws.Error);
    }

    [Fact]
    public async Task Duplicate_resends_frames_already_sent_byte_for_byte()
    {
        await using var scene = await Scene.StartAsync();
        await scene.AgentSaysAsync("first");
        await scene.AgentSaysAsync("second");
        await scene.Ws.WaitForAsync(f => f.IsMessaging, 2, what: "two agent messages");
        await scene.Ws.QuietAsync(TimeSpan.FromMilliseconds(100));
        var before = scene.Ws.Frames;
        await scene.Sim.FaultAsync(new { kind = "duplicate", consumerId = scene.Consumer.Id, count = 2 });
        var again = (await scene.Ws.WaitForAsync(_ => true, 2, from: before.Count, what: "the duplicates")).Take(2).ToList();
        Assert.Equal(before[^2].Text, again[0].Text);
        Assert.Equal(before[^1].Text, again[1].Text);
        Assert.True(again.Any(f => f.IsMessaging), "a notification was repeated");
    }

    [Fact]
    public async Task Reorder_delivers_notifications_out_of_order_and_an_older_state_after_the_current_one()
    {
        await using var scene = await Scene.StartAsync();
        var mark = scene.Ws.Count;
        await scene.Sim.FaultAsync(new { kind = "reorder", consumerId = scene.Consumer.Id, count = 6 });
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => scene.AgentSaysAsync($"message {i}")));
        var frames = await scene.Ws.WaitForAsync(f => f.IsMessaging, 6, from: mark, what: "six agent messages");
        var sequences = frames.SelectMany(f => f.Changes).Select(c => c.Num("sequence")!.Value).ToList();
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (long)i), sequences.Order()); // all there, once
        Assert.NotEqual(sequences.Order(), sequences); // but not in publish order

        // The next conversation subscription gets the current state, then an older one.
        var response = await scene.Ws.RequestAsync("cqm.SubscribeExConversations", new { convState = new[] { "OPEN", "CLOSE" } });
        var subscription = response.Body.Str("subscriptionId");
        var states = (await scene.Ws.WaitForAsync(f => f.IsConversation && f.Body.Str("subscriptionId") == subscription && f.Changes.Count > 0, 2, what: "current and stale state"))
            .Select(f => f.Changes[0].Prop("result").Prop("conversationDetails").Num("metaDataLastUpdateTs")!.Value).ToList();
        Assert.True(states[1] < states[0], $"states arrived with metaDataLastUpdateTs {string.Join(", ", states)}");
    }

    [Fact]
    public async Task Delay_holds_everything_back_then_sends_it()
    {
        await using var scene = await Scene.StartAsync();
        await scene.Sim.FaultAsync(new { kind = "delay", consumerId = scene.Consumer.Id, durationMs = 1500 });
        var start = scene.Ws.ElapsedMs;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add(await scene.Ws.SendRequestAsync(".GetClock"));
        await scene.AgentSaysAsync("delayed");
        var responses = new List<Frame>();
        foreach (var id in ids)
            responses.Add(await scene.Ws.WaitResponseAsync(id, TimeSpan.FromSeconds(5)));
        var message = (await scene.Ws.WaitForAsync(f => f.IsMessaging, what: "the delayed message"))[0];
        var arrivals = responses.Select(r => r.ReceivedMs).Append(message.ReceivedMs).ToList();
        Assert.True(arrivals.Min() - start >= 1300, $"first frame after {arrivals.Min() - start} ms");
        Assert.True(arrivals.Max() - arrivals.Min() < 500, $"spread over {arrivals.Max() - arrivals.Min()} ms");
    }

    [Fact]
    public async Task Status_answers_the_next_requests_with_429_then_500_and_the_idp_too()
    {
        await using var scene = await Scene.StartAsync();
        await scene.Sim.FaultAsync(new { kind = "status", code = 429, count = 1 });
        var throttled = await scene.Ws.RequestAsync(".GetClock");
        Assert.Equal(429, throttled.Code);
        Assert.Equal(JsonValueKind.String, throttled.Body.ValueKind);
        await scene.Sim.FaultAsync(new { kind = "status", code = 500, count = 1 });
        Assert.Equal(500, (await scene.Ws.RequestAsync(".GetClock")).Code);
        Assert.Equal(200, (await scene.Ws.RequestAsync(".GetClock")).Code); // owed statuses are used up

        await scene.Sim.FaultAsync(new { kind = "status", target = "idp", code = 429, count = 1 });
        using (var refused = await scene.Sim.Http.PostAsync($"api/account/{scene.Sim.Account}/signup", null))
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        await scene.Sim.SignupAsync();
        await scene.Sim.FaultAsync(new { kind = "status", target = "csds", code = 500, count = 1 });
        using (var failed = await scene.Sim.Http.GetAsync($"api/account/{scene.Sim.Account}/service/baseURI.json?version=1.0"))
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
    }

    [Fact]
    public async Task Malformed_sends_non_json_a_bad_changes_field_and_an_unknown_notification()
    {
        await using var scene = await Scene.StartAsync();
        var mark = scene.Ws.Count;
        await scene.Sim.FaultAsync(new { kind = "malformed", consumerId = scene.Consumer.Id });
        var frames = await scene.Ws.WaitForAsync(_ => true, 3, from: mark, what: "three malformed frames");
        Assert.Contains(frames, f => f.Json is null);
        Assert.Contains(frames, f => f.IsMessaging && f.Body.Prop("changes").ValueKind == JsonValueKind.Number);
        Assert.Contains(frames, f => f.Kind == "notification" && !f.IsMessaging && !f.IsConversation);
        await scene.Ws.RequestOkAsync(".GetClock"); // the connection carries on
    }

    [Fact]
    public async Task Oversized_sends_a_frame_larger_than_asked()
    {
        await using var scene = await Scene.StartAsync();
        await scene.Sim.FaultAsync(new { kind = "oversized", consumerId = scene.Consumer.Id, bytes = 2_000_000 });
        var big = (await scene.Ws.WaitForAsync(f => f.Text.Length > 2_000_000, what: "a frame over 2 MB"))[0];
        Assert.Equal("notification", big.Kind);
        await scene.Ws.RequestOkAsync(".GetClock");
    }

    [Fact]
    public async Task Silence_leaves_requests_unanswered_for_its_duration()
    {
        await using var scene = await Scene.StartAsync();
        await scene.Sim.FaultAsync(new { kind = "silence", consumerId = scene.Consumer.Id, durationMs = 1500 });
        var start = scene.Ws.ElapsedMs;
        var id = await scene.Ws.SendRequestAsync(".GetClock");
        await Assert.ThrowsAsync<TimeoutException>(() => scene.Ws.WaitResponseAsync(id, TimeSpan.FromSeconds(1)));
        var late = await scene.Ws.WaitResponseAsync(id, TimeSpan.FromSeconds(4));
        Assert.True(late.ReceivedMs - start >= 1300, $"answered after {late.ReceivedMs - start} ms");
    }

    [Fact]
    public async Task Silence_stops_pongs_so_a_client_keep_alive_aborts_the_socket()
    {
        await using var scene = await Scene.StartAsync(configure: o =>
        {
            o.KeepAliveInterval = TimeSpan.FromSeconds(1);
            o.KeepAliveTimeout = TimeSpan.FromSeconds(1);
        });
        await Task.Delay(1500);
        Assert.Equal(WebSocketState.Open, scene.Ws.Socket.State); // pongs come while the server listens
        await scene.Sim.FaultAsync(new { kind = "silence", consumerId = scene.Consumer.Id, durationMs = 8000 });
        // Nothing sent but the client's own pings: the server reads nothing, so it answers none.
        Assert.Same(scene.Ws.Ended, await Task.WhenAny(scene.Ws.Ended, Task.Delay(TimeSpan.FromSeconds(6))));
        Assert.Null(scene.Ws.CloseStatus);
        // .NET reports it as an aborted receive caused by "didn't receive a Pong frame … within the configured KeepAliveTimeout".
        Assert.NotNull(scene.Ws.Error);
        Assert.Contains("KeepAliveTimeout", scene.Ws.Error.ToString(), StringComparison.Ordinal);
        Assert.Equal(WebSocketState.Aborted, scene.Ws.Socket.State);
    }
}
