using System.Text.Json;

namespace Archiver.Domain.Protocol;

/// <summary>Why a frame could not be used at all: nothing of it can be archived as an event.</summary>
/// <param name="Reason">One of the frame reasons of <see cref="IssueReasons"/>.</param>
public sealed record FrameRejection(string Reason, string Detail)
{
    /// <summary>How much of a refused frame is kept as evidence; its full size and SHA-256 are always kept.</summary>
    public const int KeptBytes = 1024 * 1024;
}

/// <summary>
/// Reads one WebSocket text frame from the UMS server with the spec's robustness rules: <c>kind</c>, <c>type</c> and
/// <c>body</c> may be missing, type names come in several spellings, a single element may stand for an array, and
/// unknown fields are ignored here but kept in each change's verbatim JSON (docs/protocol.md). Total: any input gives
/// a frame or a rejection, never an exception.
/// </summary>
public static class FrameParser
{
    public static ServerFrame? Parse(ReadOnlyMemory<byte> utf8, out FrameRejection? rejection)
    {
        rejection = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, JsonLimits.Document);
        }
        catch (JsonException e)
        {
            rejection = e.Message.Contains("maximum configured depth", StringComparison.Ordinal)
                ? new FrameRejection(IssueReasons.FrameTooDeep, $"nested deeper than {JsonLimits.MaxDepth} levels")
                : new FrameRejection(IssueReasons.FrameNotJson, $"not JSON ({e.Message})");
            return null;
        }
        catch (ArgumentException e)
        {
            rejection = new FrameRejection(IssueReasons.FrameNotJson, $"not UTF-8 JSON ({e.Message})");
            return null;
        }

        using (document)
        {
            try
            {
                return Read(document.RootElement, out rejection);
            }
            catch (InvalidOperationException e)
            {
                // Only invalid UTF-8 inside a string gets here (the socket refuses such text frames before us).
                rejection = new FrameRejection(IssueReasons.FrameNotJson, $"not UTF-8 JSON ({e.Message})");
                return null;
            }
        }
    }

    private static ServerFrame? Read(JsonElement root, out FrameRejection? rejection)
    {
        rejection = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            rejection = new FrameRejection(IssueReasons.FrameNotObject, $"a JSON {root.ValueKind}, not an object");
            return null;
        }
        var kind = root.Property("kind").AsString();
        var type = root.Property("type").AsString();
        var reqId = root.Property("reqId").AsString();

        if (kind == "resp" || (kind is null && reqId is not null))
        {
            if (reqId is null)
                return new UnrecognisedFrame(kind, type, root.GetRawText()); // e.g. Send API errors without reqId
            var body = root.Property("body");
            return new ResponseFrame(reqId, ResponseCode(root.Property("code")), type, body.ValueKind == JsonValueKind.Undefined ? null : body.GetRawText());
        }

        var changes = root.Property("body").Property("changes");
        if (ProtocolNames.IsMessagingEventNotification(type) || (type is null && LooksLikeMessaging(changes)))
            return ReadMessaging(root, type);
        if (ProtocolNames.IsConversationChangeNotification(type) || (type is null && LooksLikeConversations(changes)))
            return ReadConversations(root);
        return new UnrecognisedFrame(kind, type, root.GetRawText());
    }

    /// <summary>A response's code: 200 when absent; an absurd one (4294967496, "x") is an error, never wrapped into a success.</summary>
    private static int ResponseCode(JsonElement code)
    {
        if (!code.IsPresent())
            return 200;
        return code.AsInt64() is { } value and >= 100 and <= 999 ? (int)value : ResponseFrame.InvalidCode;
    }

    private static MessagingNotification ReadMessaging(JsonElement root, string? type)
    {
        var body = root.Property("body");
        // v2's OnlineEventDistribution carries one event as the body itself, not changes[].
        var changes = ProtocolNames.Normalize(type) == "ms.OnlineEventDistribution" ? body.ElementOrArray() : body.Property("changes").ElementOrArray();
        return new MessagingNotification(changes.Select(MessagingChange.Read).ToList());
    }

    private static ConversationNotification ReadConversations(JsonElement root)
    {
        var body = root.Property("body");
        return new ConversationNotification(body.Property("subscriptionId").AsString(), body.Property("changes").ElementOrArray().Select(ConversationChange.Read).ToList());
    }

    private static bool LooksLikeMessaging(JsonElement changes) =>
        changes.ElementOrArray().Any(c => c.Property("dialogId").ValueKind != JsonValueKind.Undefined);

    private static bool LooksLikeConversations(JsonElement changes) =>
        changes.ElementOrArray().Any(c => c.Property("result").ValueKind != JsonValueKind.Undefined);
}
