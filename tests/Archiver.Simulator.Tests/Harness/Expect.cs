using System.Text.Json;
using Archiver.Domain.Protocol;

namespace Archiver.Simulator.Tests.Harness;

/// <summary>What the protocol fact sheet documents, as assertions on received frames.</summary>
public static class Expect
{
    /// <summary>docs/protocol.md §4: the response type spellings seen for each (normalised) request type; the first is
    /// the canonical v3 one.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ResponseTypes = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["GetClock"] = [".GetClock$Response"],
        ["cm.ConsumerRequestConversation"] = ["cm.RequestConversationResponse", ".ams.cm.RequestConversation$Response"],
        ["cm.UpdateConversationField"] = ["StringResponse", ".ReqBody$StringResp"],
        ["cqm.SubscribeExConversations"] = ["cqm.SubscribeExConversationsResponse", ".ams.aam.SubscribeExConversations$Response"],
        ["cqm.UnsubscribeExConversations"] = ["StringResponse", ".ReqBody$StringResp"],
        ["ms.SubscribeMessagingEvents"] = ["GenericSubscribeResponse", ".ams.GenericSubscribeResponse"],
        ["ms.PublishEvent"] = ["ms.PublishEventResponse", ".ams.ms.PublishEvent$Response"],
        ["ms.GenerateURLForUploadFile"] = ["ms.GenerateURLResponse", "ms.BaseGenerateURLResponse"],
        ["ms.GenerateURLForDownloadFile"] = ["ms.GenerateURLResponse", "ms.BaseGenerateURLResponse"],
        ["InitConnection"] = ["StringResponse", ".ReqBody$StringResp"],
    };

    /// <summary>The documented response samples for each request type.</summary>
    public static IReadOnlyList<JsonElement> ResponseSamples(string requestType)
    {
        string[] prefixes = requestType switch
        {
            "cm.ConsumerRequestConversation" => ["resp.cm.RequestConversationResponse.", "resp.ams.cm.RequestConversation-Response."],
            "cm.UpdateConversationField" or "cqm.UnsubscribeExConversations" => ["resp.StringResponse."],
            "cqm.SubscribeExConversations" => ["resp.cqm.SubscribeExConversationsResponse."],
            "ms.SubscribeMessagingEvents" => ["resp.GenericSubscribeResponse.", "resp.ams.GenericSubscribeResponse."],
            "ms.PublishEvent" => ["resp.ms.PublishEventResponse."],
            "ms.GenerateURLForUploadFile" or "ms.GenerateURLForDownloadFile" => ["resp.ms.GenerateURLResponse.", "resp.ms.BaseGenerateURLResponse."],
            _ => [],
        };
        return prefixes.SelectMany(p => Samples.Named(p))
            .Select(Samples.Json)
            .Select(j => j.ValueKind == JsonValueKind.Array ? j[0] : j) // the v2 REST poll sample wraps the response in an array
            .ToList();
    }

    public static void Response(Frame response, string requestType, string reqId, int code = 200)
    {
        Assert.Equal("resp", response.Kind);
        Assert.Equal(JsonValueKind.String, response.Json!.Value.GetProperty("reqId").ValueKind);
        Assert.Equal(reqId, response.ReqId);
        Assert.True(response.Code == code, $"expected {code}: {response.Text}");
        if (ResponseTypes.TryGetValue(requestType, out var types))
            Assert.Contains(response.Type, types);
        if (code != 200)
        {
            Assert.Equal(JsonValueKind.String, response.Body.ValueKind); // docs/protocol.md §14.4: errors carry a string body
            return;
        }
        var samples = ResponseSamples(requestType);
        if (samples.Count > 0)
        {
            var mismatches = samples.Select(s => Shape.Mismatches(s, response.Json!.Value)).ToList();
            Assert.True(mismatches.Any(m => m.Count == 0),
                $"{response.Text} conforms to none of the {samples.Count} documented {requestType} responses: " + string.Join(" | ", mismatches.Select(m => string.Join("; ", m))));
        }
    }

    private static readonly HashSet<string> ConversationOptional = new(StringComparer.Ordinal)
    {
        "$.conversationDetails.participants", "$.conversationDetails.participantsPId", // checked on their own (three shapes)
        "$.conversationDetails.closeReason", // only once closed
        "$.conversationDetails.dialogs[].endTs", "$.conversationDetails.dialogs[].closedBy", // only once the dialog is closed
        "$.conversationDetails.dialogs[].metaData.appInstallId", // mobile apps only
    };

    /// <summary>A cqm.ExConversationChangeNotification frame: envelope, then every change against the documented
    /// samples (docs/protocol.md §6.1).</summary>
    public static void ConversationNotification(Frame frame, bool quirks = true)
    {
        Assert.Equal("notification", frame.Kind);
        Assert.True(frame.IsConversation, frame.Type);
        Assert.Equal(JsonValueKind.String, frame.Body.Prop("subscriptionId").ValueKind);
        var changes = frame.Body.Prop("changes");
        Assert.True(changes.ValueKind == JsonValueKind.Array || (quirks && changes.ValueKind == JsonValueKind.Object), frame.Text);
        foreach (var change in frame.Changes)
            ConversationChange(change, quirks);
    }

    public static void ConversationChange(JsonElement change, bool quirks = true)
    {
        Assert.Contains(change.Str("type"), new[] { "UPSERT", "DELETE" });
        var result = change.Prop("result");
        Assert.False(string.IsNullOrEmpty(result.Str("convId")));
        var details = result.Prop("conversationDetails");
        Assert.Equal(JsonValueKind.Object, details.ValueKind);

        // participants: an array of {id, role}, or a role map, or only participantsPId (docs/protocol.md §6.1, §14.2).
        var participants = details.Prop("participants");
        var pids = details.Prop("participantsPId");
        if (participants.ValueKind == JsonValueKind.Array)
        {
            Assert.All(participants.EnumerateArray(), p => Assert.True(p.Str("id") is not null && p.Str("role") is not null, p.GetRawText()));
        }
        else
        {
            Assert.True(quirks, "participants must be an array without quirks: " + details.GetRawText());
            var map = participants.ValueKind == JsonValueKind.Object ? participants : pids;
            Assert.Equal(JsonValueKind.Object, map.ValueKind);
            Assert.All(map.EnumerateObject(), role => Assert.All(role.Value.EnumerateArray(), id => Assert.Equal(JsonValueKind.String, id.ValueKind)));
        }

        // Against the richest v3 sample: every documented field, same kinds.
        var full = Wire.Changes(Samples.Json("notification.cqm.ExConversationChangeNotification.post-survey-open.1.json").Prop("body"))[0].Prop("result");
        var mismatches = Shape.Mismatches(full, result, requireAll: true, ConversationOptional);
        Assert.True(mismatches.Count == 0, string.Join("; ", mismatches) + "\n" + result.GetRawText());
        // Against the others: the fields they share have the same kinds.
        foreach (var name in new[] { "notification.cqm.ExConversationChangeNotification.webhook.new-conv.1.json", "notification.cqm.ExConversationChangeNotification.participantsPId.new-conv.1.json" })
        {
            var sample = Wire.Changes(Samples.Json(name).Prop("body"))[0].Prop("result");
            mismatches = Shape.Mismatches(sample, result, requireAll: false, ConversationOptional);
            Assert.True(mismatches.Count == 0, name + ": " + string.Join("; ", mismatches));
        }
    }

    private static readonly string[] Roles = ["CONSUMER", "ASSIGNED_AGENT", "AGENT", "MANAGER", "READER", "CONTROLLER"];

    /// <summary>A ms.MessagingEventNotification frame (docs/protocol.md §6.2).</summary>
    public static void MessagingNotification(Frame frame, bool quirks = true)
    {
        Assert.Equal("notification", frame.Kind);
        Assert.True(frame.IsMessaging, frame.Type);
        var changes = frame.Body.Prop("changes");
        Assert.True(changes.ValueKind == JsonValueKind.Array || (quirks && changes.ValueKind == JsonValueKind.Object), frame.Text);
        foreach (var change in frame.Changes)
            MessagingChange(change);
    }

    public static void MessagingChange(JsonElement change)
    {
        var eventType = change.Prop("event").Str("type");
        var isChatState = eventType == "ChatStateEvent";
        var sampleName = eventType switch
        {
            "ChatStateEvent" => "notification.ms.MessagingEventNotification.ChatStateEvent.ACTIVE.consumer.1.json",
            "AcceptStatusEvent" when change.Prop("metadata").ValueKind == JsonValueKind.Array => "notification.ms.MessagingEventNotification.AcceptStatusEvent.ACTION.1.json",
            "AcceptStatusEvent" => "notification.ms.MessagingEventNotification.AcceptStatusEvent.READ.1.json",
            "ContentEvent" or "RichContentEvent" => "notification.ms.MessagingEventNotification.ContentEvent.consumer.1.json",
            _ => throw new Xunit.Sdk.XunitException("undocumented event type: " + change.GetRawText()),
        };
        var sample = Wire.Changes(Samples.Json(sampleName).Prop("body"))[0];
        // A file's message is an object and a rich card has content instead of message: the event's own schema, not the envelope's.
        var optional = new HashSet<string>(StringComparer.Ordinal) { "$.event.message", "$.event.contentType" };
        var mismatches = Shape.Mismatches(sample, change, requireAll: true, optional);
        Assert.True(mismatches.Count == 0, sampleName + ": " + string.Join("; ", mismatches) + "\n" + change.GetRawText());
        Assert.Contains(change.Prop("originatorMetadata").Str("role"), Roles);
        Assert.Equal(change.Str("originatorId"), change.Prop("originatorMetadata").Str("id"));
        Assert.False(string.IsNullOrEmpty(change.Str("dialogId")));
        if (isChatState)
        {
            Assert.Equal(JsonValueKind.Undefined, change.Prop("sequence").ValueKind);
        }
        else
        {
            Assert.True(change.Num("sequence") >= 0, change.GetRawText());
            Assert.True(change.Num("serverTimestamp") > 1_600_000_000_000, change.GetRawText());
        }
    }

    public static string RequestId(JsonElement request) =>
        request.GetProperty("id") is { ValueKind: JsonValueKind.Number } n ? n.GetRawText() : request.GetProperty("id").GetString()!;

    public static string TypeOf(JsonElement request) => ProtocolNames.Normalize(request.Str("type"));
}
