using System.Text.Json;

namespace Archiver.Domain.Protocol;

/// <summary>Why a frame could not be used at all. The worker logs and counts it; the connection stays open.</summary>
public sealed record FrameRejection(string Reason);

/// <summary>
/// Reads one WebSocket text frame from the UMS server with the spec's robustness rules: <c>kind</c>, <c>type</c> and
/// <c>body</c> may be missing (§3), type names come in several spellings (§4), a single element may stand for an
/// array, and unknown fields are ignored here but kept in each change's verbatim JSON.
/// </summary>
public static class FrameParser
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 256 };

    public static ServerFrame? Parse(ReadOnlyMemory<byte> utf8, out FrameRejection? rejection)
    {
        rejection = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, Options);
        }
        catch (JsonException e)
        {
            rejection = new FrameRejection($"not JSON ({e.Message})");
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                rejection = new FrameRejection($"a JSON {root.ValueKind}, not an object");
                return null;
            }
            var kind = root.Property("kind").AsString();
            var type = root.Property("type").AsString();
            var reqId = root.Property("reqId").AsString();

            if (kind == "resp" || (kind is null && reqId is not null))
            {
                if (reqId is null)
                    return new UnrecognisedFrame(kind, type, root.GetRawText()); // e.g. Send API errors without reqId
                var code = root.Property("code").AsInt64() ?? 200;
                var body = root.Property("body");
                return new ResponseFrame(reqId, (int)code, type, body.ValueKind == JsonValueKind.Undefined ? null : body.GetRawText());
            }

            var changes = root.Property("body").Property("changes");
            if (ProtocolNames.IsMessagingEventNotification(type) || (type is null && LooksLikeMessaging(changes)))
                return ReadMessaging(root, type);
            if (ProtocolNames.IsConversationChangeNotification(type) || (type is null && LooksLikeConversations(changes)))
                return ReadConversations(root);
            return new UnrecognisedFrame(kind, type, root.GetRawText());
        }
    }

    private static MessagingNotification ReadMessaging(JsonElement root, string? type)
    {
        var body = root.Property("body");
        // v2's OnlineEventDistribution carries one event as the body itself, not changes[].
        var changes = ProtocolNames.Normalize(type) == "ms.OnlineEventDistribution" ? [body] : body.Property("changes").ElementOrArray();
        var read = new List<MessagingChange>();
        var rejected = new List<string>();
        foreach (var element in changes)
        {
            if (MessagingChange.TryRead(element, out var reason) is { } change)
                read.Add(change);
            else
                rejected.Add(reason!);
        }
        return new MessagingNotification(read, rejected);
    }

    private static ConversationNotification ReadConversations(JsonElement root)
    {
        var body = root.Property("body");
        var read = new List<ConversationChange>();
        var rejected = new List<string>();
        foreach (var element in body.Property("changes").ElementOrArray())
        {
            if (ConversationChange.TryRead(element, out var reason) is { } change)
                read.Add(change);
            else
                rejected.Add(reason!);
        }
        return new ConversationNotification(body.Property("subscriptionId").AsString(), read, rejected);
    }

    private static bool LooksLikeMessaging(JsonElement changes) =>
        changes.ElementOrArray().Any(c => c.Property("dialogId").ValueKind != JsonValueKind.Undefined);

    private static bool LooksLikeConversations(JsonElement changes) =>
        changes.ElementOrArray().Any(c => c.Property("result").ValueKind != JsonValueKind.Undefined);
}
