using System.Text.Json;
using Archiver.Domain.Protocol;
using Archiver.Simulator.World;

namespace Archiver.Simulator.Ums;

/// <summary>The consumer requests (docs/protocol.md §5), by their normalised names (every spelling of §4 arrives here
/// the same).</summary>
public sealed partial class ConsumerSocket
{
    /// <summary>Raised when the socket's first conversation subscription is accepted (the demo scenario starts then).</summary>
    public event Action<ConsumerSocket>? Subscribed;

    private void Dispatch(string reqId, string type, JsonElement body, JsonElement request)
    {
        var quirks = _world.Settings.Quirks;
        switch (type)
        {
            case "GetClock":
                Respond(reqId, 200, $$"""{"currentTime":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}""", type);
                break;
            case "KeepAlive" or "InitConnection" or "userprofile.SetUserProfile":
                Respond(reqId, 200, "\"OK\"", type);
                break;
            case "cm.ConsumerRequestConversation":
            {
                var id = _world.RequestConversation(_consumer.Id, body.Property("skillId").AsString());
                Respond(reqId, 200, $$"""{"conversationId":{{Envelopes.Quote(id)}}}""", type);
                break;
            }
            case "cm.UpdateConversationField":
                UpdateConversationField(reqId, type, body);
                break;
            case "cqm.SubscribeExConversations":
                SubscribeConversations(reqId, type, body, quirks);
                break;
            case "cqm.UnsubscribeExConversations":
                lock (_world.Gate)
                {
                    if (!_subscriptions.Remove(body.Property("subscriptionId").AsString() ?? ""))
                        throw new WorldException(404, "Unknown subscription");
                }
                Respond(reqId, 200, "\"OK\"", type);
                break;
            case "ms.SubscribeMessagingEvents":
                SubscribeMessaging(reqId, type, body, quirks);
                break;
            case "ms.PublishEvent":
                Publish(reqId, type, body, request);
                break;
            case "ms.GenerateURLForUploadFile" or "ms.GenerateURLForDownloadFile":
            {
                var path = body.Property("relativePath").AsString() ?? $"/v1/AUTH_async-images/{_world.Account}/{Guid.NewGuid():N}.jpg";
                var expires = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds();
                Respond(reqId, 200, $$$"""{"relativePath":{{{Envelopes.Quote(path)}}},"queryParams":{"temp_url_sig":"{{{Guid.NewGuid():N}}}","temp_url_expires":"{{{expires}}}"}}""", type);
                break;
            }
            default:
                Respond(reqId, 400, Envelopes.Quote($"Unknown request type {type}"), type);
                break;
        }
    }

    private void UpdateConversationField(string reqId, string type, JsonElement body)
    {
        var conversationId = body.Property("conversationId").AsString() ?? throw new WorldException(400, "conversationId is required");
        var conversation = _world.Find(conversationId, _consumer.Id);
        var message = "OK";
        foreach (var field in body.Property("conversationField").ElementOrArray())
        {
            switch (field.Property("field").AsString())
            {
                case "ConversationStateField" or "Stage":
                    // NAS: ConversationStateField CLOSE does not start the survey; Stage CLOSE closes everything
                    // (docs/protocol.md §5.2).
                    _world.CloseStage(conversationId, "CONSUMER", _consumer.Id);
                    message = "OK Conversation resolved successfully";
                    break;
                case "DialogChange":
                {
                    var dialogId = field.Property("dialog").Property("dialogId").AsString() ?? field.Property("dialogId").AsString();
                    if (dialogId == conversation.Main.DialogId)
                        _world.CloseMain(conversationId, "CONSUMER", survey: true, _consumer.Id);
                    else
                        _world.CloseStage(conversationId, "CONSUMER", _consumer.Id);
                    message = "OK Dialog closed successfully";
                    break;
                }
                case "CSATRate":
                    _world.SetCsat(conversationId, (int)(field.Property("csatRate").AsInt64() ?? 0), field.Property("csatResolutionConfirmation").AsBoolean() ?? false,
                        field.Property("status").AsString() ?? "FILLED", _consumer.Id);
                    break;
                case "TTRField":
                    _world.SetTtr(conversationId, field.Property("ttrType").AsString() ?? "NORMAL", field.Property("value").AsInt64() ?? 0);
                    break;
                default:
                    throw new WorldException(400, $"A consumer cannot update {field.Property("field").AsString() ?? "this field"}");
            }
        }
        Respond(reqId, 200, Envelopes.Quote(message), type);
    }

    private void SubscribeConversations(string reqId, string type, JsonElement body, bool quirks)
    {
        var states = body.Property("convState").ElementOrArray().Select(s => s.AsString()).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (states.Count == 0)
            states = ["OPEN", "CLOSE"]; // no filter: everything (docs/simulator.md)
        var stageList = body.Property("stage").ElementOrArray().Select(s => s.AsString()).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var subscriptionId = Guid.NewGuid().ToString();
        lock (_world.Gate)
        {
            var subscription = new CqmSubscription(states, stageList.Count == 0 ? null : stageList);
            _subscriptions[subscriptionId] = subscription;
            var current = new List<(string, string)>();
            foreach (var conversation in _world.ConversationsOf(_consumer.Id).Where(subscription.Matches))
            {
                subscription.Matched.Add(conversation.Id);
                current.Add(("UPSERT", conversation.StateVersions[^1]));
            }
            var response = Envelopes.Response(reqId, 200, $$"""{"subscriptionId":"{{subscriptionId}}"}""", type, _random, quirks);
            var existing = Envelopes.ConversationNotification(subscriptionId, current, _random, quirks); // changes: [] when none (docs/protocol.md §5.3)
            var first = quirks && _random.Next(3) == 0; // docs/protocol.md §14.3: the notification may precede the response
            Enqueue(new OutFrame(first ? existing : response, null));
            Enqueue(new OutFrame(first ? response : existing, null));
            if (_faults.TakeStaleState(_consumer.Id, out var reorder)
                && _world.ConversationsOf(_consumer.Id).Where(subscription.Matches).FirstOrDefault(c => c.StateVersions.Count > 1) is { } stale)
            {
                _stats.Count("fault.reorder.stale_state");
                Enqueue(new OutFrame(Envelopes.ConversationNotification(subscriptionId, [("UPSERT", stale.StateVersions[^2])], _random, quirks), null, reorder));
            }
        }
        Subscribed?.Invoke(this);
    }

    private void SubscribeMessaging(string reqId, string type, JsonElement body, bool quirks)
    {
        var dialogId = body.Property("dialogId").AsString() ?? throw new WorldException(400, "dialogId is required");
        var fromSeq = body.Property("fromSeq").AsInt64() ?? 0;
        lock (_world.Gate)
        {
            var (_, dialog) = _world.DialogFor(_consumer.Id, dialogId, body.Property("conversationId").AsString());
            _dialogs.Add(dialogId);
            var history = dialog.Events.Where(e => e.Sequence >= fromSeq).Select(e => e.Json).ToList();
            var response = Envelopes.Response(reqId, 200, quirks && _random.Next(2) == 0 ? null : "{}", type, _random, quirks);
            var early = quirks && history.Count > 0 && _random.Next(3) == 0;
            if (!early)
                Enqueue(new OutFrame(response, null));
            foreach (var chunk in history.Chunk(Math.Max(1, _world.Settings.HistoryBatch)))
                Enqueue(new OutFrame(Envelopes.MessagingNotification(chunk, _random, quirks), null));
            if (early)
                Enqueue(new OutFrame(response, null));
        }
    }

    private void Publish(string reqId, string type, JsonElement body, JsonElement request)
    {
        var dialogId = body.Property("dialogId").AsString() ?? throw new WorldException(400, "dialogId is required");
        var @event = body.Property("event");
        var eventType = @event.Property("type").AsString();
        if (eventType is not ("ContentEvent" or "RichContentEvent" or "AcceptStatusEvent" or "ChatStateEvent"))
            throw new WorldException(400, $"Unsupported event type {eventType ?? "(none)"}");
        string conversationId;
        lock (_world.Gate)
            conversationId = _world.DialogFor(_consumer.Id, dialogId, body.Property("conversationId").AsString()).Conversation.Id;
        var metadata = request.Property("metadata");
        var sequence = _world.Publish(conversationId, dialogId, _consumer.Id, "CONSUMER", @event.GetRawText(),
            metadata.ValueKind == JsonValueKind.Undefined ? null : metadata.GetRawText(), _consumer.Id);
        Respond(reqId, 200, $$"""{"sequence":{{sequence ?? 0}}}""", type);
    }
}
