using System.Text.Json;
using System.Text.RegularExpressions;
using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Ums;

/// <summary>
/// Issue 3, acceptance 1: the simulator driven with the request examples of ../shared/protocol/samples, each response and
/// the notifications that follow checked against the documented shapes (field names, kinds, codes).
/// </summary>
public sealed partial class ConformanceTests(SharedSim shared) : IClassFixture<SharedSim>
{
    public static TheoryData<string> RequestSamples => new(Samples.Named("req.").Where(n => !n.StartsWith("req.InitConnection", StringComparison.Ordinal)));

    public static TheoryData<string> InitConnectionSamples => new(Samples.Named("req.InitConnection"));

    public static TheoryData<string> BrokenSamples => new(Samples.Named("req.", ".broken.txt"));

    [Fact]
    public void The_samples_are_found_where_the_protocol_lives()
    {
        var requests = Samples.Named("req.").Count();
        Assert.True(requests >= 25, $"only {requests} request samples in {Samples.Folder}");
        Assert.Equal(2, Samples.Named("req.", ".broken.txt").Count());
    }

    [Theory]
    [MemberData(nameof(RequestSamples))]
    public async Task Each_request_sample_is_answered_as_documented_and_followed_by_documented_notifications(string sampleName)
    {
        var sim = shared.Sim;
        var (consumer, ws) = await sim.ConnectNewConsumerAsync();
        await using var _ = ws;
        var text = Samples.Text(sampleName);
        var request = JsonDocument.Parse(text).RootElement;
        var type = Expect.TypeOf(request);
        var reqId = Expect.RequestId(request);
        var toSurvey = text.Contains("POST_SURVEY", StringComparison.Ordinal);

        // A conversation to aim at (unless the sample opens one), an agent who has spoken, and a survey dialog if the sample needs it.
        await ws.RequestOkAsync("cqm.SubscribeExConversations", new { convState = new[] { "OPEN", "CLOSE" } });
        string? conversation = null, survey = null;
        if (type != "cm.ConsumerRequestConversation")
        {
            conversation = (await ws.RequestOkAsync("cm.ConsumerRequestConversation", new { })).Str("conversationId")!;
            await sim.ControlAsync($"conversations/{conversation}/accept", new { agentName = "Alice Martin" });
            if (toSurvey)
                survey = (await sim.ControlAsync($"conversations/{conversation}/close", new { survey = true })).Str("surveyDialogId")!;
            await sim.ControlAsync($"conversations/{conversation}/messages", new { text = "Hello from the agent", dialogId = survey ?? conversation });
            if (type == "ms.PublishEvent")
                await ws.RequestOkAsync("ms.SubscribeMessagingEvents", new { dialogId = survey ?? conversation, conversationId = conversation, fromSeq = 0 });
        }
        await ws.QuietAsync(TimeSpan.FromMilliseconds(150));
        var mark = ws.Count;

        await ws.SendAsync(Substitute(text, conversation, survey, consumer.Jwt));
        var response = await ws.WaitResponseAsync(reqId);
        Expect.Response(response, type, reqId);

        var target = survey ?? conversation;
        switch (type)
        {
            case "cm.ConsumerRequestConversation":
            {
                var id = response.Body.Str("conversationId")!;
                var frame = await ws.WaitForAsync(f => f.IsConversation && f.Changes.Any(c => c.Prop("result").Str("convId") == id), from: mark, what: "the new conversation's UPSERT");
                Expect.ConversationNotification(frame[0]);
                var details = frame[0].Changes.First(c => c.Prop("result").Str("convId") == id).Prop("result").Prop("conversationDetails");
                Assert.Equal("OPEN", details.Str("state"));
                break;
            }
            case "cm.UpdateConversationField":
            {
                var frames = await ws.WaitForAsync(f => f.IsConversation && f.Changes.Any(c => c.Prop("result").Str("convId") == conversation), from: mark, what: "the updated state");
                Expect.ConversationNotification(frames[0]);
                var details = frames[0].Changes[0].Prop("result").Prop("conversationDetails");
                if (text.Contains("DialogChange", StringComparison.Ordinal))
                {
                    // Closing MAIN opens the post-conversation survey (docs/protocol.md §8): state CLOSE, stage OPEN, a
                    // POST_SURVEY dialog.
                    Assert.Equal("CLOSE", details.Str("state"));
                    Assert.Equal("OPEN", details.Str("stage"));
                    Assert.Equal("POST_SURVEY", details.Prop("dialogs")[1].Str("dialogType"));
                    Assert.Equal("CONSUMER", details.Prop("dialogs")[0].Str("closedBy"));
                }
                else if (text.Contains("CLOSE", StringComparison.Ordinal))
                {
                    Assert.Equal("CLOSE", details.Str("state"));
                    Assert.Equal("CLOSE", details.Str("stage"));
                }
                else if (text.Contains("CSATRate", StringComparison.Ordinal))
                {
                    Assert.Equal(request.GetProperty("body").GetProperty("conversationField").ValueKind == JsonValueKind.Array
                        ? request.GetProperty("body").GetProperty("conversationField")[0].GetProperty("csatRate").GetInt32()
                        : request.GetProperty("body").GetProperty("conversationField").GetProperty("csatRate").GetInt32(), details.Prop("csat").Num("csatRate"));
                }
                else if (text.Contains("TTRField", StringComparison.Ordinal))
                {
                    Assert.Equal("URGENT", details.Prop("ttr").Str("ttrType"));
                }
                break;
            }
            case "cqm.SubscribeExConversations":
            {
                var subscription = response.Body.Str("subscriptionId")!;
                var frames = await ws.WaitForAsync(f => f.IsConversation && f.Body.Str("subscriptionId") == subscription, what: "the existing conversations");
                Expect.ConversationNotification(frames[0]);
                Assert.Contains(frames[0].Changes, c => c.Prop("result").Str("convId") == conversation);
                break;
            }
            case "ms.SubscribeMessagingEvents":
            {
                // History from fromSeq 0: the agent's message, sequence 0.
                var frames = await ws.WaitForAsync(f => f.IsMessaging && f.Changes.Any(c => c.Str("dialogId") == target), what: "the dialog history");
                Expect.MessagingNotification(frames[0]);
                var first = frames[0].Changes.First(c => c.Str("dialogId") == target);
                Assert.Equal(0, first.Num("sequence"));
                Assert.Equal("Hello from the agent", first.Prop("event").Str("message"));
                break;
            }
            case "ms.PublishEvent":
            {
                // The consumer's own event is echoed (docs/protocol.md §14.8), with the sequence the response gave.
                var chatState = text.Contains("ChatStateEvent", StringComparison.Ordinal);
                var sequence = response.Body.Num("sequence");
                var frames = await ws.WaitForAsync(f => f.IsMessaging && f.Changes.Any(c => c.Str("originatorId") == consumer.Id && c.Str("dialogId") == target
                    && (chatState || c.Num("sequence") == sequence)), from: mark, what: "the echo of the published event");
                Expect.MessagingNotification(frames[0]);
                var echo = frames[0].Changes.First(c => c.Str("originatorId") == consumer.Id);
                Assert.Equal("CONSUMER", echo.Prop("originatorMetadata").Str("role"));
                Assert.Equal(request.GetProperty("body").GetProperty("event").GetProperty("type").GetString(), echo.Prop("event").Str("type"));
                if (!chatState)
                    Assert.True(sequence >= 1, "the agent's message had sequence 0");
                break;
            }
            case "GetClock":
                Assert.True(response.Body.Num("currentTime") > 1_600_000_000_000, response.Text);
                break;
            case "ms.GenerateURLForUploadFile" or "ms.GenerateURLForDownloadFile":
                Assert.False(string.IsNullOrEmpty(response.Body.Prop("queryParams").Str("temp_url_sig")));
                break;
            default:
                throw new Xunit.Sdk.XunitException($"no expectation for {type} ({sampleName})");
        }
    }

    [Theory]
    [MemberData(nameof(InitConnectionSamples))]
    public async Task InitConnection_samples_authenticate_a_bare_socket(string sampleName)
    {
        var sim = shared.Sim;
        var consumer = await sim.SignupAsync();
        await using var ws = await UmsClient.ConnectAsync(sim.UmsUri, jwt: null);
        var text = Samples.Text(sampleName);
        var request = JsonDocument.Parse(text).RootElement;
        await ws.SendAsync(Substitute(text, null, null, consumer.Jwt));
        var response = (await ws.WaitForAsync(f => f.IsResponse, what: "the InitConnection response"))[0];
        Assert.Equal(200, response.Code);
        Assert.Equal("resp", response.Kind);
        if (request.TryGetProperty("id", out _))
            Assert.Equal(Expect.RequestId(request), response.ReqId);
        Assert.Contains(response.Type, Expect.ResponseTypes["InitConnection"]);
        // The socket is now the consumer's.
        var conversation = (await ws.RequestOkAsync("cm.ConsumerRequestConversation")).Str("conversationId");
        Assert.Equal(consumer.Id, (await sim.GroundTruthAsync(consumer.Id)).GetProperty("conversations")[0].Str("consumerId"));
        Assert.NotNull(conversation);
    }

    [Theory]
    [MemberData(nameof(BrokenSamples))]
    public async Task Broken_samples_get_no_answer_and_are_counted_as_malformed(string sampleName)
    {
        var sim = shared.Sim;
        var (_, ws) = await sim.ConnectNewConsumerAsync();
        await using var __ = ws;
        var before = await sim.StatAsync("frames.malformed");
        await ws.SendAsync(Samples.Text(sampleName));
        await ws.RequestOkAsync(".GetClock"); // requests are handled in order: the broken frame was seen before this answer
        await Task.Delay(200);
        Assert.Equal(before + 1, await sim.StatAsync("frames.malformed"));
        Assert.DoesNotContain(ws.Frames, f => f.ReqId == "2");
        Assert.Single(ws.Frames); // only the GetClock answer
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, ws.Socket.State);
    }

    [Fact]
    public async Task Without_quirks_the_output_is_canonical()
    {
        await using var sim = await Sim.StartAsync(new SimulatorSettings { Quirks = false, Seed = 3 });
        var (consumer, ws) = await sim.ConnectNewConsumerAsync();
        await using var _ = ws;
        await ws.RequestOkAsync("cqm.SubscribeExConversations", new { convState = new[] { "OPEN", "CLOSE" } });
        await sim.ControlAsync("scenario", new { conversationsPerConsumer = 3, paceMs = 0, consumers = new[] { consumer.Id } });
        await ws.QuietAsync(TimeSpan.FromMilliseconds(200));
        var dialogs = ws.Frames.Where(f => f.IsConversation).SelectMany(f => f.Changes)
            .SelectMany(c => c.Prop("result").Prop("conversationDetails").Prop("dialogs").EnumerateArray()
                .Select(d => (Conversation: c.Prop("result").Str("convId")!, Dialog: d.Str("dialogId")!)))
            .Distinct().ToList();
        Assert.True(dialogs.Count >= 4, $"{dialogs.Count} dialogs");
        foreach (var (conversation, dialog) in dialogs)
            await ws.RequestOkAsync("ms.SubscribeMessagingEvents", new { dialogId = dialog, conversationId = conversation, fromSeq = 0 });
        await ws.QuietAsync(TimeSpan.FromMilliseconds(200));

        var frames = ws.Frames;
        Assert.Contains(frames, f => f.IsMessaging);
        foreach (var frame in frames)
        {
            Assert.DoesNotContain("simUnknown", frame.Text, StringComparison.Ordinal);
            if (frame.IsResponse)
            {
                Assert.Equal(JsonValueKind.Object, frame.Body.ValueKind); // canonical: always a body
                continue;
            }
            Assert.Equal(JsonValueKind.Array, frame.Body.Prop("changes").ValueKind);
            if (frame.IsConversation)
            {
                Expect.ConversationNotification(frame, quirks: false);
                Assert.All(frame.Changes, c => Assert.Equal(JsonValueKind.Undefined, c.Prop("result").Prop("conversationDetails").Prop("participantsPId").ValueKind));
            }
            else
            {
                Expect.MessagingNotification(frame, quirks: false);
            }
        }
        // Every response type is the documented v3 spelling, and every response came before the notifications it announces.
        var responses = frames.Where(f => f.IsResponse).ToList();
        Assert.All(responses, r => Assert.True(r.Type is "cqm.SubscribeExConversationsResponse" or "GenericSubscribeResponse", r.Text));
        foreach (var r in responses.Where(r => r.Type == "GenericSubscribeResponse"))
            Assert.True(frames.Count <= r.Index + 1 || frames[r.Index + 1].IsResponse || frames[r.Index + 1].IsMessaging);
        Assert.True(responses[0].Index == 0, "the subscription response precedes its first notification");
    }

    [Fact]
    public async Task With_quirks_the_documented_alternatives_all_appear()
    {
        await using var sim = await Sim.StartAsync(new SimulatorSettings { Quirks = true, Seed = 5 });
        var (consumer, ws) = await sim.ConnectNewConsumerAsync();
        await using var _ = ws;
        await ws.RequestOkAsync("cqm.SubscribeExConversations", new { convState = new[] { "OPEN", "CLOSE" } });
        await sim.ControlAsync("scenario", new { conversationsPerConsumer = 6, paceMs = 0, consumers = new[] { consumer.Id } });
        await ws.QuietAsync(TimeSpan.FromMilliseconds(200));
        var conversationFrames = ws.Frames.Where(f => f.IsConversation).ToList();
        conversationFrames.ForEach(f => Expect.ConversationNotification(f));
        var details = conversationFrames.SelectMany(f => f.Changes).Select(c => c.Prop("result").Prop("conversationDetails")).ToList();
        Assert.Contains(details, d => d.Prop("participants").ValueKind == JsonValueKind.Array);
        Assert.Contains(details, d => d.Prop("participants").ValueKind == JsonValueKind.Object);
        Assert.Contains(details, d => d.Prop("participantsPId").ValueKind == JsonValueKind.Object && d.Prop("participants").ValueKind == JsonValueKind.Undefined);
        Assert.Contains(conversationFrames, f => f.Body.Prop("changes").ValueKind == JsonValueKind.Object);
    }

    /// <summary>Puts real ids where the samples have placeholders (<c>__YOUR_CONVERSATION_ID__</c>, <c>"Dialog ID"</c>, <c>"id"</c>, …).</summary>
    private static string Substitute(string text, string? conversationId, string? surveyDialogId, string jwt)
    {
        if (conversationId is not null)
        {
            text = ConversationIdField().Replace(text, m => m.Groups[1].Value + JsonSerializer.Serialize(conversationId));
            text = DialogIdField().Replace(text, m => m.Groups[1].Value + JsonSerializer.Serialize(surveyDialogId ?? conversationId));
        }
        return JwtField().Replace(text, m => m.Groups[1].Value + JsonSerializer.Serialize(jwt));
    }

    [GeneratedRegex("(\"conversationId\"\\s*:\\s*)\"[^\"]*\"")]
    private static partial Regex ConversationIdField();

    [GeneratedRegex("(\"dialogId\"\\s*:\\s*)\"[^\"]*\"")]
    private static partial Regex DialogIdField();

    [GeneratedRegex("(\"jwt\"\\s*:\\s*)\"[^\"]*\"")]
    private static partial Regex JwtField();
}
