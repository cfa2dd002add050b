using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Ums;

/// <summary>docs/protocol.md §14.4: errors without a public shape — a string body and the decided code.</summary>
public sealed class ErrorTests(SharedSim shared) : IClassFixture<SharedSim>
{
    [Fact]
    public async Task A_second_open_conversation_is_refused_with_400()
    {
        var sim = shared.Sim;
        var (_, ws) = await sim.ConnectNewConsumerAsync();
        await using var _ = ws;
        await ws.RequestOkAsync("cm.ConsumerRequestConversation");
        var id = await ws.SendRequestAsync("cm.ConsumerRequestConversation", new { });
        Expect.Response(await ws.WaitResponseAsync(id), "cm.ConsumerRequestConversation", id, 400);
    }

    [Fact]
    public async Task Publishing_to_an_unknown_dialog_is_refused()
    {
        var sim = shared.Sim;
        var (_, ws) = await sim.ConnectNewConsumerAsync();
        await using var _ = ws;
        await ws.RequestOkAsync("cm.ConsumerRequestConversation");
        var response = await ws.RequestAsync("ms.PublishEvent", new { dialogId = "no-such-dialog", @event = new { type = "ContentEvent", contentType = "text/plain", message = "lost" } });
        Assert.Contains(response.Code, new int?[] { 400, 404 });
        Assert.Equal(System.Text.Json.JsonValueKind.String, response.Body.ValueKind);
    }

    [Fact]
    public async Task Publishing_to_a_closed_dialog_is_refused_with_400()
    {
        var sim = shared.Sim;
        var (_, ws) = await sim.ConnectNewConsumerAsync();
        await using var _ = ws;
        var conversation = (await ws.RequestOkAsync("cm.ConsumerRequestConversation")).Str("conversationId")!;
        await sim.ControlAsync($"conversations/{conversation}/close", new { });
        var id = await ws.SendRequestAsync("ms.PublishEvent", new { dialogId = conversation, @event = new { type = "ContentEvent", contentType = "text/plain", message = "too late" } });
        Expect.Response(await ws.WaitResponseAsync(id), "ms.PublishEvent", id, 400);
    }

    [Fact]
    public async Task An_unknown_request_type_is_refused_with_400()
    {
        var sim = shared.Sim;
        var (_, ws) = await sim.ConnectNewConsumerAsync();
        await using var _ = ws;
        var id = await ws.SendRequestAsync("cm.NoSuchRequest", new { });
        var response = await ws.WaitResponseAsync(id);
        Assert.Equal(400, response.Code);
        Assert.Equal(System.Text.Json.JsonValueKind.String, response.Body.ValueKind);
        await ws.RequestOkAsync(".GetClock"); // the connection stays usable
    }

    [Fact]
    public async Task Another_consumers_conversation_is_forbidden_and_a_missing_dialog_is_not_found()
    {
        var sim = shared.Sim;
        var (aliceConsumer, alice) = await sim.ConnectNewConsumerAsync();
        await using var _ = alice;
        var (_, bob) = await sim.ConnectNewConsumerAsync();
        await using var __ = bob;
        var conversation = (await alice.RequestOkAsync("cm.ConsumerRequestConversation")).Str("conversationId")!;

        var subscribe = await bob.SendRequestAsync("ms.SubscribeMessagingEvents", new { dialogId = conversation, fromSeq = 0 });
        Expect.Response(await bob.WaitResponseAsync(subscribe), "ms.SubscribeMessagingEvents", subscribe, 403);
        var publish = await bob.SendRequestAsync("ms.PublishEvent", new { dialogId = conversation, @event = new { type = "ContentEvent", contentType = "text/plain", message = "intruder" } });
        Expect.Response(await bob.WaitResponseAsync(publish), "ms.PublishEvent", publish, 403);
        var close = await bob.SendRequestAsync("cm.UpdateConversationField", new { conversationId = conversation, conversationField = new { field = "ConversationStateField", conversationState = "CLOSE" } });
        Expect.Response(await bob.WaitResponseAsync(close), "cm.UpdateConversationField", close, 403);

        var missing = await alice.SendRequestAsync("ms.SubscribeMessagingEvents", new { dialogId = "does-not-exist", fromSeq = 0 });
        Expect.Response(await alice.WaitResponseAsync(missing), "ms.SubscribeMessagingEvents", missing, 404);

        // Nothing of Bob's attempts reached Alice's conversation.
        var truth = (await sim.GroundTruthAsync(aliceConsumer.Id)).GetProperty("conversations")[0];
        Assert.Equal(0, truth.GetProperty("dialogs")[0].GetProperty("events").GetArrayLength());
        Assert.Single(truth.GetProperty("states").EnumerateArray());
    }
}
