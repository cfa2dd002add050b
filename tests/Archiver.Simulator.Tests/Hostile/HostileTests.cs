using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Hostile;

/// <summary>
/// The hostile catalogue (docs/simulator.md, "Hostile content"): every case reaches a real WebSocket client as exactly
/// the bytes the ground truth records; in-band cases are filed in their dialog and re-delivered identically with
/// fromSeq, out-of-band ones never are.
/// </summary>
public sealed partial class HostileTests(SharedSim shared) : IClassFixture<SharedSim>
{
    /// <summary>The contract: every case by name, its kind, and whether the world files it in a dialog.</summary>
    private static readonly (string Name, string Kind, bool InBand)[] Catalogue =
    [
        ("lone-high-surrogate-text", "change", true), ("lone-low-surrogate-text", "change", true), ("nul-text", "change", true),
        ("nul-rich-content", "change", true), ("huge-text", "change", true), ("deep-rich-content", "change", true),
        ("absurd-timestamp", "change", true), ("negative-timestamp", "change", true), ("fractional-timestamp", "change", true),
        ("reserved-event-type", "change", true), ("reserved-event-type-participant", "change", true), ("terminal-escapes-text", "change", true),
        ("csv-formula-text", "change", true), ("html-text", "change", true), ("huge-numbers", "change", true), ("text-as-number", "change", true),
        ("message-wrong-shape", "change", true), ("receipt-absurd-sequences", "change", true), ("unknown-event-type", "change", true),
        ("fractional-sequence", "change", false), ("negative-sequence", "change", false), ("huge-sequence", "change", false),
        ("string-sequence", "change", false), ("nul-dialog-id", "change", false), ("reserved-prefix-dialog-id", "change", false),
        ("overlong-dialog-id", "change", false), ("missing-dialog-id", "change", false), ("non-object-changes", "frame", false),
        ("csat-rate-overflow", "state", false), ("csat-rate-fraction", "state", false), ("absurd-start-ts", "state", false),
        ("absurd-last-update-ts", "state", false), ("nul-participant-id", "state", false), ("lone-surrogate-participant-id", "state", false),
        ("nul-conversation-id", "state", false), ("participants-wrong-type", "state", false), ("dialogs-wrong-type", "state", false),
        ("not-json-frame", "frame", false), ("too-deep-frame", "frame", false), ("top-level-array-frame", "frame", false),
        ("binary-frame", "frame", false), ("empty-frame", "frame", false),
    ];

    public static TheoryData<string> Cases => new(Catalogue.Select(c => c.Name));

    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task The_list_names_every_case_with_its_kind()
    {
        var listed = (await shared.Sim.GetAsync("hostile-cases")).EnumerateArray().ToList();
        Assert.Equal(Catalogue.Select(c => c.Name).Order(StringComparer.Ordinal), listed.Select(c => c.Str("name")!).Order(StringComparer.Ordinal));
        foreach (var (name, kind, inBand) in Catalogue)
        {
            var entry = listed.Single(c => c.Str("name") == name);
            Assert.Equal(kind, entry.Str("kind"));
            Assert.Equal(inBand, entry.Prop("inBand").GetBoolean());
            Assert.False(string.IsNullOrWhiteSpace(entry.Str("description")), name);
        }
    }

    [Fact]
    public async Task An_unknown_case_is_refused_with_400_naming_it()
    {
        await using var scene = await Scene.OnAsync(shared.Sim);
        using var response = await scene.Sim.PostAsync($"control/conversations/{scene.ConversationId}/hostile", new { @case = "no-such-case" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no-such-case", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty((await scene.Sim.GroundTruthAsync(scene.Consumer.Id)).GetProperty("hostile").EnumerateArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_case_reaches_the_socket_as_the_ground_truth_records_it(string name)
    {
        var (_, kind, inBand) = Catalogue.Single(c => c.Name == name);
        await using var scene = await Scene.OnAsync(shared.Sim);
        var sim = scene.Sim;
        await scene.AgentSaysAsync("an ordinary message first");
        await scene.Ws.WaitForAsync(f => f.IsMessaging, what: "the ordinary message");
        await scene.Ws.QuietAsync(Quiet);
        var mark = scene.Ws.Count;

        var answer = await sim.ControlAsync($"conversations/{scene.ConversationId}/hostile", new { @case = name });
        Assert.Equal(name, answer.Str("case"));
        Assert.Equal(kind, answer.Str("kind"));
        Assert.Equal(inBand, answer.Prop("inBand").GetBoolean());

        var truth = await sim.GroundTruthAsync(scene.Consumer.Id);
        var entry = Assert.Single(truth.GetProperty("hostile").EnumerateArray());
        Assert.Equal(name, entry.Str("case"));
        Assert.False(entry.Prop("raw").GetBoolean());
        Assert.Equal(kind, entry.Str("kind"));
        Assert.Equal(inBand, entry.Prop("inBand").GetBoolean());
        Assert.Equal(scene.Consumer.Id, entry.Str("consumerId"));
        Assert.Equal(scene.ConversationId, entry.Str("conversationId"));
        Assert.Equal(answer.Prop("dialogId").GetRawText(), entry.Prop("dialogId").GetRawText());
        Assert.Equal(answer.Prop("sequence").GetRawText(), entry.Prop("sequence").GetRawText());

        // On the wire: exactly what the ground truth recorded.
        var base64 = entry.Str("base64");
        var text = entry.Str("text");
        Frame received;
        if (base64 is not null)
        {
            received = (await scene.Ws.WaitForAsync(f => f.MessageType == WebSocketMessageType.Binary, from: mark, what: name))[0];
            Assert.Equal(Convert.FromBase64String(base64), received.Bytes);
        }
        else if (kind == "frame")
        {
            Assert.NotNull(text);
            received = (await scene.Ws.WaitForAsync(f => f.Text == text && f.MessageType == WebSocketMessageType.Text, from: mark, what: name))[0];
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text), received.Bytes);
        }
        else
        {
            Assert.NotNull(text);
            received = (await scene.Ws.WaitForAsync(f => f.Text.Contains(text, StringComparison.Ordinal), from: mark, what: name))[0];
            Assert.True(kind == "state" ? received.IsConversation : received.IsMessaging || received.Json is null, received.Text.Length > 300 ? received.Text[..300] : received.Text);
        }
        Carries(name, entry, truth, scene);

        // The first socket carries on, whatever it was sent.
        await scene.Ws.RequestOkAsync(".GetClock");

        // A new subscription: in-band cases are re-delivered byte for byte from their sequence, others never.
        var conversation = truth.GetProperty("conversations").EnumerateArray().Single(c => c.Str("conversationId") == scene.ConversationId);
        var recorded = conversation.GetProperty("dialogs").EnumerateArray().SelectMany(d => d.GetProperty("events").EnumerateArray())
            .Concat(conversation.GetProperty("states").EnumerateArray()).Select(e => e.GetRawText()).ToList();
        await using var again = await UmsClient.ConnectAsync(sim.UmsUri, scene.Consumer.Jwt);
        await again.RequestOkAsync("cqm.SubscribeExConversations", new { convState = new[] { "OPEN", "CLOSE" } });
        if (inBand)
        {
            var sequence = answer.Prop("sequence").GetInt64();
            Assert.Contains(text!, recorded);
            await again.RequestOkAsync("ms.SubscribeMessagingEvents", new { dialogId = answer.Str("dialogId"), conversationId = scene.ConversationId, fromSeq = sequence });
            var history = (await again.WaitForAsync(f => f.Text.Contains(text!, StringComparison.Ordinal), what: name + " re-delivered"))[0];
            Assert.True(history.IsMessaging || history.Json is null);
            Assert.DoesNotContain($"\"sequence\":{sequence - 1},", history.Text, StringComparison.Ordinal); // from its sequence on
        }
        else
        {
            Assert.DoesNotContain(recorded, r => text is not null && (kind == "frame" ? r == text : r.Contains(text, StringComparison.Ordinal)));
            await again.RequestOkAsync("ms.SubscribeMessagingEvents", new { dialogId = scene.ConversationId, fromSeq = 0 });
            await again.QuietAsync(Quiet);
            Assert.DoesNotContain(again.Frames, f => base64 is not null
                ? f.MessageType == WebSocketMessageType.Binary
                : kind == "frame" ? f.Text == text : f.Text.Contains(text!, StringComparison.Ordinal));
            Assert.Contains(again.Frames, f => f.IsMessaging && f.Text.Contains("an ordinary message first", StringComparison.Ordinal)); // history did come
        }
    }

    [Fact]
    public async Task Raw_frames_go_to_every_socket_of_the_consumer_and_into_the_ground_truth()
    {
        await using var scene = await Scene.OnAsync(shared.Sim);
        var sim = scene.Sim;
        await using var second = await UmsClient.ConnectAsync(sim.UmsUri, scene.Consumer.Jwt);
        await second.RequestOkAsync(".GetClock");
        var marks = (scene.Ws.Count, second.Count);

        const string text = "{\"kind\":\"notification\",\"body\":{\"changes\":[]},\"type\":\"ms.MessagingEventNotification\"} \u0000 é 👍";
        var utf8 = System.Text.Encoding.UTF8.GetBytes("bytes chosen by the caller: h\u00e9llo");
        byte[] binary = [0x01, 0x00, 0xFE, 0x7B, 0x22];
        Assert.Equal(2, (await sim.ControlAsync($"consumers/{scene.Consumer.Id}/frames", new { text })).Prop("sockets").GetInt32());
        Assert.Equal(2, (await sim.ControlAsync($"consumers/{scene.Consumer.Id}/frames", new { base64 = Convert.ToBase64String(utf8) })).Prop("sockets").GetInt32());
        Assert.Equal(2, (await sim.ControlAsync($"consumers/{scene.Consumer.Id}/frames", new { base64 = Convert.ToBase64String(binary), binary = true })).Prop("sockets").GetInt32());

        foreach (var (client, mark) in new[] { (scene.Ws, marks.Item1), (second, marks.Item2) })
        {
            var frames = await client.WaitForAsync(_ => true, 3, from: mark, what: "three raw frames");
            Assert.Equal(text, frames[0].Text);
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text), frames[0].Bytes);
            Assert.Equal(utf8, frames[1].Bytes);
            Assert.Equal(WebSocketMessageType.Text, frames[1].MessageType);
            Assert.Equal(binary, frames[2].Bytes);
            Assert.Equal(WebSocketMessageType.Binary, frames[2].MessageType);
        }

        var hostile = (await sim.GroundTruthAsync(scene.Consumer.Id)).GetProperty("hostile").EnumerateArray().ToList();
        Assert.Equal(3, hostile.Count);
        Assert.All(hostile, h =>
        {
            Assert.True(h.Prop("raw").GetBoolean());
            Assert.Equal(JsonValueKind.Null, h.Prop("case").ValueKind);
            Assert.Equal("frame", h.Str("kind"));
            Assert.Equal(scene.Consumer.Id, h.Str("consumerId"));
            Assert.Equal(2, h.Prop("sockets").GetInt32());
        });
        Assert.Equal(text, hostile[0].Str("text"));
        Assert.Equal(JsonValueKind.Null, hostile[0].Prop("base64").ValueKind);
        Assert.Equal(Convert.ToBase64String(utf8), hostile[1].Str("base64"));
        Assert.Equal("bytes chosen by the caller: h\u00e9llo", hostile[1].Str("text"));
        Assert.Equal(Convert.ToBase64String(binary), hostile[2].Str("base64"));
        Assert.Equal(JsonValueKind.Null, hostile[2].Prop("text").ValueKind);

        using var unknown = await sim.PostAsync("control/consumers/no-such-consumer/frames", new { text = "x" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var empty = await sim.PostAsync($"control/consumers/{scene.Consumer.Id}/frames", new { });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        await scene.Ws.RequestOkAsync(".GetClock");
    }

    /// <summary>What each case carries, read from the exact text the ground truth recorded.</summary>
    private static void Carries(string name, JsonElement entry, JsonElement truth, Scene scene)
    {
        var text = entry.Str("text") ?? "";
        var conversation = scene.ConversationId;
        var states = truth.GetProperty("conversations").EnumerateArray().Single(c => c.Str("conversationId") == conversation).GetProperty("states").EnumerateArray().ToList();
        void Has(string fragment) => Assert.True(text.Contains(fragment, StringComparison.Ordinal), $"{name} lacks {fragment}: {(text.Length > 600 ? text[..600] : text)}");

        if (entry.Prop("inBand").GetBoolean())
        {
            Has("\"originatorMetadata\":{\"id\":\"");
            Has("\"role\":\"ASSIGNED_AGENT\"}");
            Has($"\"dialogId\":\"{conversation}\"");
            Has($"\"sequence\":{entry.Prop("sequence").GetInt64()},");
            if (!name.EndsWith("-timestamp", StringComparison.Ordinal))
                Assert.Matches(NormalTimestamp(), text);
        }
        switch (name)
        {
            case "lone-high-surrogate-text": Has("""message":"half an emoji \ud83d"}"""); break;
            case "lone-low-surrogate-text": Has("""message":"\udc00 reversed half"}"""); break;
            case "nul-text": Has("""message":"before\u0000after"}"""); break;
            case "nul-rich-content": Has("""{"type":"RichContentEvent","content":{"type":"vertical","elements":[{"type":"text","text":"card \u0000 text"""); break;
            case "huge-text":
            {
                using var change = JsonDocument.Parse(text);
                var message = change.RootElement.Prop("event").Str("message")!;
                Assert.InRange(message.Length, 1_400_000, 1_600_000);
                Assert.True(message.All(char.IsAscii), "ASCII only");
                var words = message.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(words.Distinct(StringComparer.Ordinal).Count() > 100_000, "varied words (a tsvector holds fewer)");
                break;
            }
            case "deep-rich-content":
            {
                var start = text.IndexOf("\"event\":", StringComparison.Ordinal) + "\"event\":".Length;
                var eventJson = text[start..text.IndexOf(",\"conversationId\":", start, StringComparison.Ordinal)];
                Assert.StartsWith("{\"type\":\"RichContentEvent\"", eventJson, StringComparison.Ordinal);
                Assert.Equal(200, Depth(eventJson));
                break;
            }
            case "absurd-timestamp": Has("\"serverTimestamp\":9999999999999999,"); break;
            case "negative-timestamp": Has("\"serverTimestamp\":-9999999999999999,"); break;
            case "fractional-timestamp": Has("\"serverTimestamp\":1700000000000.5,"); break;
            case "reserved-event-type": Has($$"""{"type":"CsatSubmitted","conversationId":"{{conversation}}","rate":5,"""); break;
            case "reserved-event-type-participant": Has("""{"type":"ParticipantJoined","conversationId":"""); break;
            case "terminal-escapes-text": Has("""\u001b[31mred\u001b[0m \u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007 \u001b[2J"""); break;
            case "csv-formula-text": Has("""message":"=HYPERLINK(\"http://evil.example\",\"click\")"}"""); break;
            case "html-text": Has("""message":"<script>alert(1)</script><img src=x onerror=alert(2)>"}"""); break;
            case "huge-numbers":
                Has("\"message\":\"numbers beyond double\"");
                Has(":1e400,"); Has(":-1e400,"); Has(":123456789012345678901234567890,"); Has(":0.000000000000000000001}");
                break;
            case "text-as-number": Has("\"message\":12345}"); break;
            case "message-wrong-shape": Has("\"message\":[1,{\"a\":[]}]}"); break;
            case "receipt-absurd-sequences": Has("""{"type":"AcceptStatusEvent","status":"READ","sequenceList":[1.9,-1,1e30,"x",9223372036854775808]}"""); break;
            case "unknown-event-type": Has("""{"type":"Hologram\u0000Event"""); break;

            case "fractional-sequence": OutOfBand("\"sequence\":1.9,", $"\"dialogId\":\"{conversation}\""); break;
            case "negative-sequence": OutOfBand("\"sequence\":-5,", $"\"dialogId\":\"{conversation}\""); break;
            case "huge-sequence": OutOfBand("\"sequence\":99999999999999999999,", $"\"dialogId\":\"{conversation}\""); break;
            case "string-sequence": OutOfBand("\"sequence\":\"abc\",", $"\"dialogId\":\"{conversation}\""); break;
            case "nul-dialog-id": OutOfBand("\"dialogId\":\"dlg\\u0000x\""); break;
            case "reserved-prefix-dialog-id": OutOfBand($"\"dialogId\":\"conversation:{conversation}\""); break;
            case "overlong-dialog-id":
                OutOfBand();
                Assert.Equal(2000, entry.Str("dialogId")!.Length);
                Has($"\"dialogId\":\"{entry.Str("dialogId")}\"");
                break;
            case "missing-dialog-id":
                OutOfBand();
                Assert.DoesNotContain("\"dialogId\"", text, StringComparison.Ordinal);
                Assert.Equal(JsonValueKind.Null, entry.Prop("dialogId").ValueKind);
                break;
            case "non-object-changes": Assert.Equal("""{"kind":"notification","body":{"changes":[42,"x",null,true]},"type":"ms.MessagingEventNotification"}""", text); break;

            case "csat-rate-overflow": State("conversationDetails.csat.csatRate", "4294967301"); break;
            case "csat-rate-fraction": State("conversationDetails.csat.csatRate", "4.5"); break;
            case "absurd-start-ts": State("conversationDetails.startTs", "9999999999999999"); break;
            case "absurd-last-update-ts": State("conversationDetails.metaDataLastUpdateTs", "9999999999999999"); break;
            case "nul-participant-id": State(null, null); Has("\"participant\\u0000x\""); break;
            case "lone-surrogate-participant-id": State(null, null); Has("\"participant-\\ud800\""); break;
            case "nul-conversation-id":
                State("convId", $"\"{conversation}\\u0000\"");
                State("conversationDetails.convId", $"\"{conversation}\\u0000\"");
                break;
            case "participants-wrong-type": State("conversationDetails.participants", "42"); break;
            case "dialogs-wrong-type": State("conversationDetails.dialogs", "\"x\""); break;

            case "not-json-frame": Assert.Equal("this is {not json", text); break;
            case "too-deep-frame":
                Assert.Equal(300, Depth(text));
                Assert.Contains("\"type\":\"ms.MessagingEventNotification\"", text, StringComparison.Ordinal);
                break;
            case "top-level-array-frame": Assert.Equal("[1,2,3]", text); break;
            case "binary-frame": Assert.Equal([0x00, 0xFF, 0x10, 0x80, 0x7B], Convert.FromBase64String(entry.Str("base64")!)); break;
            case "empty-frame": Assert.Equal("", text); break;
            default: throw new Xunit.Sdk.XunitException($"no expectation for {name}");
        }

        void OutOfBand(params string[] fragments)
        {
            Assert.Equal(JsonValueKind.Null, entry.Prop("sequence").ValueKind);
            Has("\"originatorMetadata\":{\"id\":\"");
            Has($"\"conversationId\":\"{conversation}\"");
            Assert.Matches(NormalTimestamp(), text);
            foreach (var fragment in fragments)
                Has(fragment);
        }

        void State(string? path, string? raw)
        {
            Assert.StartsWith("{\"type\":\"UPSERT\",\"result\":{", text, StringComparison.Ordinal);
            using var change = JsonDocument.Parse(text);
            var result = change.RootElement.GetProperty("result");
            if (path is not null)
            {
                var value = path.Split('.').Aggregate(result, (e, p) => e.Prop(p));
                Assert.Equal(raw, value.GetRawText());
            }
            var latest = states[^1];
            if (name != "nul-conversation-id")
                Assert.Equal(conversation, result.Str("convId"));
            Assert.Equal(latest.Prop("conversationDetails").Str("state"), result.Prop("conversationDetails").Str("state"));
            if (name != "absurd-last-update-ts")
            {
                var newest = states.Max(s => s.Prop("conversationDetails").Num("metaDataLastUpdateTs")!.Value);
                Assert.True(result.Prop("conversationDetails").Num("metaDataLastUpdateTs") > newest, "looks like the newest version");
            }
        }
    }

    /// <summary>How deeply containers nest in a JSON text (strings skipped).</summary>
    private static int Depth(string json)
    {
        int depth = 0, max = 0;
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                if (c == '\\')
                    i++;
                else if (c == '"')
                    inString = false;
                continue;
            }
            switch (c)
            {
                case '"': inString = true; break;
                case '{' or '[': max = Math.Max(max, ++depth); break;
                case '}' or ']': depth--; break;
            }
        }
        return max;
    }

    [GeneratedRegex("\"serverTimestamp\":1[0-9]{12},")]
    private static partial Regex NormalTimestamp();
}
