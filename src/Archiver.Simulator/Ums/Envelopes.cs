using System.Text;
using Archiver.Simulator.World;

namespace Archiver.Simulator.Ums;

/// <summary>
/// Response and notification envelopes around pre-serialised content. Envelope quirks (docs/protocol.md §14.2) vary per
/// send: response type spellings, key order, a single change sent as the bare element.
/// </summary>
internal static class Envelopes
{
    /// <summary>The response <c>type</c> spellings seen for each request (docs/protocol.md §4); the first is the
    /// documented v3 one.</summary>
    private static readonly Dictionary<string, string[]> ResponseTypes = new(StringComparer.Ordinal)
    {
        ["GetClock"] = [".GetClock$Response"],
        ["cm.ConsumerRequestConversation"] = ["cm.RequestConversationResponse", ".ams.cm.RequestConversation$Response"],
        ["cm.UpdateConversationField"] = ["StringResponse", ".ReqBody$StringResp"],
        ["cqm.SubscribeExConversations"] = ["cqm.SubscribeExConversationsResponse", ".ams.aam.SubscribeExConversations$Response"],
        ["ms.SubscribeMessagingEvents"] = ["GenericSubscribeResponse", ".ams.GenericSubscribeResponse"],
        ["ms.PublishEvent"] = ["ms.PublishEventResponse", ".ams.ms.PublishEvent$Response"],
        ["ms.GenerateURLForUploadFile"] = ["ms.GenerateURLResponse", "ms.BaseGenerateURLResponse"],
        ["ms.GenerateURLForDownloadFile"] = ["ms.GenerateURLResponse", "ms.BaseGenerateURLResponse"],
    };

    public static string Response(string reqId, int code, string? bodyJson, string requestType, Random random, bool quirks)
    {
        var types = ResponseTypes.GetValueOrDefault(requestType) ?? ["StringResponse", ".ReqBody$StringResp"];
        var type = types[quirks ? random.Next(types.Length) : 0];
        var sb = new StringBuilder(128 + (bodyJson?.Length ?? 0));
        sb.Append("{\"kind\":\"resp\",\"reqId\":").Append(Quote(reqId)).Append(",\"code\":").Append(code);
        if (bodyJson is not null)
            sb.Append(",\"body\":").Append(bodyJson);
        sb.Append(",\"type\":").Append(Quote(type)).Append('}');
        return sb.ToString();
    }

    public static string ConversationNotification(string subscriptionId, IReadOnlyList<(string ChangeType, string Result)> changes, Random random, bool quirks)
    {
        var sb = new StringBuilder(256 + changes.Sum(c => c.Result.Length));
        var typeFirst = quirks && random.Next(3) == 0;
        sb.Append('{');
        if (typeFirst)
            sb.Append("\"type\":\"cqm.ExConversationChangeNotification\",");
        sb.Append("\"kind\":\"notification\",\"body\":{\"subscriptionId\":").Append(Quote(subscriptionId)).Append(",\"changes\":");
        var bare = quirks && changes.Count == 1 && random.Next(4) == 0;
        if (!bare)
            sb.Append('[');
        for (var i = 0; i < changes.Count; i++)
        {
            if (i > 0)
                sb.Append(',');
            sb.Append("{\"type\":\"").Append(changes[i].ChangeType).Append("\",\"result\":").Append(changes[i].Result).Append('}');
        }
        if (!bare)
            sb.Append(']');
        sb.Append('}');
        if (!typeFirst)
            sb.Append(",\"type\":\"cqm.ExConversationChangeNotification\"");
        sb.Append('}');
        return sb.ToString();
    }

    public static string MessagingNotification(IReadOnlyList<string> changes, Random random, bool quirks)
    {
        var sb = new StringBuilder(96 + changes.Sum(c => c.Length + 1));
        sb.Append("{\"kind\":\"notification\",\"body\":{\"changes\":");
        var bare = quirks && changes.Count == 1 && random.Next(4) == 0;
        if (!bare)
            sb.Append('[');
        for (var i = 0; i < changes.Count; i++)
        {
            if (i > 0)
                sb.Append(',');
            sb.Append(changes[i]);
        }
        if (!bare)
            sb.Append(']');
        sb.Append("},\"type\":\"ms.MessagingEventNotification\"}");
        return sb.ToString();
    }

    public static string Quote(string value) => WireJson.Quote(value);
}
