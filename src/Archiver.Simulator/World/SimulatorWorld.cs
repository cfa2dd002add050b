using System.Security.Cryptography;
using System.Text;
using Archiver.Simulator.Configuration;

namespace Archiver.Simulator.World;

/// <summary>A request the world refuses, with the response code docs/protocol.md §14.4 gives it.</summary>
public sealed class WorldException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}

/// <summary>
/// The state of the simulated LivePerson account: consumers, conversations, dialogs and everything emitted. One lock
/// guards it all (simple, and fast enough: the work under it is appending pre-serialised strings and queueing them).
/// </summary>
public sealed class SimulatorWorld(SimulatorSettings settings, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Random _random = new(settings.Seed);
    private readonly Dictionary<string, SimConsumer> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimConversation> _conversations = new(StringComparer.Ordinal);
    private readonly List<SimConversation> _order = [];
    private readonly Dictionary<string, string> _agentNames = new(StringComparer.Ordinal);
    private readonly List<HostileRecord> _hostile = [];
    private readonly AsyncLocal<SimulatedClock?> _simulated = new();
    private long _lastTs;
    private int _connections;

    public SimulatorSettings Settings => settings;

    public string Account => settings.Account;

    public Lock Gate => _gate;

    /// <summary>The real now (scenarios that play the past count back from it).</summary>
    public DateTimeOffset UtcNow => time.GetUtcNow();

    /// <summary>
    /// Until disposed, what this flow of execution makes the world emit is stamped from <paramref name="clock"/> rather
    /// than the real clock (startTs, endTs, creationTs, metaDataLastUpdateTs, serverTimestamp): how the year scenario
    /// plays conversations that happened months ago. Other callers, concurrently, keep the real clock; existing
    /// scenarios never enter a scope.
    /// </summary>
    public IDisposable At(SimulatedClock clock)
    {
        var previous = _simulated.Value;
        _simulated.Value = clock;
        return new ClockScope(this, previous);
    }

    /// <summary>Attaches what a scripted scenario knows about a conversation (the ground truth's <c>scenario</c>).</summary>
    public void Annotate(string conversationId, ScenarioFacts facts)
    {
        lock (_gate)
            Find(conversationId, null).Facts = facts;
    }

    /// <summary>Numbers this instance's connections 1, 2, … (seeds each socket's quirks, so a seeded run replays).</summary>
    public int NextConnectionNumber() => Interlocked.Increment(ref _connections);

    public SimConsumer Consumer(string id, ConsumerMode mode)
    {
        lock (_gate)
        {
            if (!_consumers.TryGetValue(id, out var consumer))
                _consumers[id] = consumer = new SimConsumer(id, mode);
            return consumer;
        }
    }

    public SimConsumer? FindConsumer(string id)
    {
        lock (_gate)
            return _consumers.GetValueOrDefault(id);
    }

    public IReadOnlyList<SimConsumer> Consumers()
    {
        lock (_gate)
            return _consumers.Values.ToList();
    }

    public IReadOnlyList<SimConversation> Conversations(string? consumerId = null)
    {
        lock (_gate)
            return _order.Where(c => consumerId is null || c.ConsumerId == consumerId).ToList();
    }

    /// <summary>The agent's public id (a stable UUID from its name) and its profile name.</summary>
    public string AgentId(string name)
    {
        var id = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes("agent:" + name)).AsSpan(0, 16)).ToString();
        lock (_gate)
            _agentNames[id] = name;
        return id;
    }

    public string? AgentName(string agentId)
    {
        lock (_gate)
            return _agentNames.GetValueOrDefault(agentId);
    }

    public string NewDialogId()
    {
        lock (_gate)
        {
            var bytes = new byte[16];
            _random.NextBytes(bytes);
            return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }
    }

    // ---- conversation lifecycle ------------------------------------------------------------------------------------

    public string RequestConversation(string consumerId, string? skillId, bool allowSeveralOpen = false)
    {
        lock (_gate)
        {
            var consumer = _consumers.GetValueOrDefault(consumerId) ?? throw new WorldException(404, "unknown consumer");
            if (!allowSeveralOpen && _order.Any(c => c.ConsumerId == consumerId && c.Stage == "OPEN"))
                throw new WorldException(400, "There is already an open conversation for this consumer");
            var now = Now();
            var id = NewGuid().ToString();
            var conversation = new SimConversation(id, consumerId, now)
            {
                FirstConversation = !_order.Any(c => c.ConsumerId == consumerId),
                SkillId = skillId ?? "-1",
            };
            conversation.Participants.Add(new SimParticipant(consumer.Id, "CONSUMER"));
            var main = new SimDialog(id, "MAIN", now);
            main.Participants.Add(new SimParticipant(consumer.Id, "CONSUMER"));
            conversation.Dialogs.Add(main);
            _conversations[id] = conversation;
            _order.Add(conversation);
            Emit(conversation);
            return id;
        }
    }

    public void Accept(string conversationId, string agentName, string skillId = "1001")
    {
        lock (_gate)
        {
            var c = Open(conversationId);
            var agent = AgentId(agentName);
            c.SkillId = skillId;
            c.Participants.RemoveAll(p => p.Role == "ASSIGNED_AGENT");
            c.Participants.Add(new SimParticipant(agent, "ASSIGNED_AGENT"));
            c.Main.Participants.RemoveAll(p => p.Role == "ASSIGNED_AGENT");
            c.Main.Participants.Add(new SimParticipant(agent, "ASSIGNED_AGENT"));
            Emit(c);
        }
    }

    public void ChangeParticipants(string conversationId, string action, string agentName, string? role)
    {
        lock (_gate)
        {
            var c = Open(conversationId);
            var agent = AgentId(agentName);
            switch (action)
            {
                case "transfer":
                    // The assigned agent leaves, the new one is assigned; the old one may stay as a reader.
                    foreach (var list in new[] { c.Participants, c.Main.Participants })
                    {
                        list.RemoveAll(p => p.Role == "ASSIGNED_AGENT");
                        list.Add(new SimParticipant(agent, "ASSIGNED_AGENT"));
                    }
                    break;
                case "join":
                    c.Participants.Add(new SimParticipant(agent, role ?? "READER"));
                    break;
                case "leave":
                    c.Participants.RemoveAll(p => p.Id == agent);
                    c.Main.Participants.RemoveAll(p => p.Id == agent);
                    break;
                default:
                    throw new WorldException(400, $"unknown participants action {action}");
            }
            Emit(c);
        }
    }

    public void SetTtr(string conversationId, string ttrType, long value)
    {
        lock (_gate)
        {
            var c = Open(conversationId);
            c.Ttr = (ttrType, value);
            Emit(c);
        }
    }

    /// <summary>Closes the MAIN dialog; with a survey, a POST_SURVEY dialog opens (stage stays OPEN), else everything closes.</summary>
    public string? CloseMain(string conversationId, string by, bool survey, string? requesterConsumerId = null)
    {
        lock (_gate)
        {
            var c = Find(conversationId, requesterConsumerId);
            if (c.State != "OPEN")
                throw new WorldException(400, "The conversation is already closed");
            var now = Now();
            c.Main.State = "CLOSE";
            c.Main.EndTs = now;
            c.Main.ClosedBy = by;
            c.Main.ClosedCause = by == "CONSUMER" ? "Closed by consumer" : "Closed by agent";
            c.State = "CLOSE";
            c.CloseReason = by;
            string? surveyDialog = null;
            if (survey && c.Participants.Any(p => p.Role == "ASSIGNED_AGENT"))
            {
                surveyDialog = NewDialogIdLocked();
                var dialog = new SimDialog(surveyDialog, "POST_SURVEY", now);
                dialog.Participants.Add(new SimParticipant(c.ConsumerId, "CONSUMER"));
                dialog.Participants.Add(new SimParticipant(AgentId("Survey Bot"), "AGENT"));
                c.Dialogs.Add(dialog);
            }
            else
            {
                c.Stage = "CLOSE";
                c.EndTs = now;
            }
            Emit(c);
            return surveyDialog;
        }
    }

    /// <summary>Closes everything at once (Stage CLOSE): no survey.</summary>
    public void CloseStage(string conversationId, string by, string? requesterConsumerId = null)
    {
        lock (_gate)
        {
            var c = Find(conversationId, requesterConsumerId);
            if (c.Stage != "OPEN")
                throw new WorldException(400, "The conversation is already closed");
            var now = Now();
            foreach (var d in c.Dialogs.Where(d => d.State == "OPEN"))
            {
                d.State = "CLOSE";
                d.EndTs = now;
                d.ClosedBy = by;
                d.ClosedCause = by == "CONSUMER" ? "Closed by consumer" : "Closed by agent";
            }
            c.State = "CLOSE";
            c.Stage = "CLOSE";
            c.CloseReason ??= by;
            c.EndTs = now;
            Emit(c);
        }
    }

    public void CompleteSurvey(string conversationId)
    {
        lock (_gate)
        {
            var c = Find(conversationId, null);
            var survey = c.Dialogs.LastOrDefault(d => d.DialogType == "POST_SURVEY" && d.State == "OPEN")
                ?? throw new WorldException(400, "No survey is open");
            var now = Now();
            survey.State = "CLOSE";
            survey.EndTs = now;
            survey.ClosedBy = "AGENT";
            survey.ClosedCause = "Completed";
            c.Stage = "CLOSE";
            c.EndTs = now;
            Emit(c);
        }
    }

    public void SetCsat(string conversationId, int rate, bool resolution, string status, string? requesterConsumerId = null)
    {
        lock (_gate)
        {
            var c = Find(conversationId, requesterConsumerId);
            c.Csat = (rate, resolution, status);
            Emit(c);
        }
    }

    // ---- messaging ----------------------------------------------------------------------------------------------

    /// <summary>Publishes an event in a dialog (the conversation's open one by default); returns its sequence (null for chat states).</summary>
    public long? Publish(string conversationId, string? dialogId, string originatorId, string role, string eventJson, string? metadataJson,
        string? requesterConsumerId = null) =>
        PublishChange(conversationId, dialogId, originatorId, role, eventJson, metadataJson, requesterConsumerId).Sequence;

    /// <summary>
    /// Publishes an event and returns the change as frozen. <paramref name="changeFields"/> replaces (or adds) named fields of
    /// the change itself with raw JSON, e.g. a hostile <c>serverTimestamp</c>; it is applied here, when the change is
    /// serialised once, so every re-delivery still sends the same bytes (the determinism rule in docs/simulator.md).
    /// <paramref name="trusted"/> = false writes the event without checking it is well-formed JSON of a sane depth
    /// (hostile content is deliberately neither).
    /// </summary>
    public PublishedChange PublishChange(string conversationId, string? dialogId, string originatorId, string role, string eventJson, string? metadataJson,
        string? requesterConsumerId = null, IReadOnlyDictionary<string, string>? changeFields = null, bool trusted = true)
    {
        if (changeFields is not null && (changeFields.ContainsKey("sequence") || changeFields.ContainsKey("dialogId")))
            throw new ArgumentException("the world assigns a published change's keys; a change with hostile keys is sent out of band", nameof(changeFields));
        lock (_gate)
        {
            var c = Find(conversationId, requesterConsumerId);
            var dialog = dialogId is null ? c.OpenDialog : c.Dialogs.FirstOrDefault(d => d.DialogId == dialogId);
            if (dialog is null)
                throw new WorldException(dialogId is null ? 400 : 404, dialogId is null ? "The conversation has no open dialog" : "Unknown dialog");
            if (dialog.State != "OPEN")
                throw new WorldException(400, "The dialog is closed");
            var isChatState = eventJson.Contains("\"ChatStateEvent\"", StringComparison.Ordinal);
            long? sequence = isChatState ? null : dialog.NextSequence++;
            var change = WireJson.MessagingChange(sequence, originatorId, role, isChatState ? null : Now(), eventJson, c.Id, dialog.DialogId,
                metadataJson, _random, settings.Quirks, changeFields, trusted);
            if (sequence is { } seq)
            {
                dialog.Events.Add((seq, change));
                CountEmitted(c.ConsumerId);
            }
            else
            {
                dialog.ChatStates.Add(change);
            }
            if (eventJson.Contains("\"ContentEvent\"", StringComparison.Ordinal))
                c.LastContentEvent = change;
            foreach (var listener in Listeners(c.ConsumerId))
                listener.MessagingChange(dialog.DialogId, change);
            return new PublishedChange(sequence, dialog.DialogId, change);
        }
    }

    /// <summary>Sequenced messaging changes plus state versions emitted so far for a consumer (every consumer: null).</summary>
    public long Emitted(string? consumerId)
    {
        lock (_gate)
            return consumerId is null ? _consumers.Values.Sum(c => c.Emitted) : _consumers.GetValueOrDefault(consumerId)?.Emitted ?? 0;
    }

    /// <summary>How many of the consumer's sockets the client closed with 1000 (normal closure) so far.</summary>
    public int NormalCloses(string consumerId)
    {
        lock (_gate)
            return _consumers.GetValueOrDefault(consumerId)?.NormalCloses ?? 0;
    }

    /// <summary>A timestamp later than any emitted so far (hostile states carry one, so they look like the newest version).</summary>
    public long Timestamp()
    {
        lock (_gate)
            return Now();
    }

    /// <summary>Records a hostile case or raw frame sent (the ground truth's <c>hostile</c>); callers hold <see cref="Gate"/> so the order is the wire's.</summary>
    public void RecordHostile(HostileRecord record)
    {
        lock (_gate)
            _hostile.Add(record);
    }

    public IReadOnlyList<HostileRecord> HostileRecords()
    {
        lock (_gate)
            return _hostile.ToList();
    }

    /// <summary>Dialog history from <paramref name="fromSeq"/> for a consumer's subscription (callers hold <see cref="Gate"/>).</summary>
    public (SimConversation Conversation, SimDialog Dialog) DialogFor(string consumerId, string dialogId, string? conversationId)
    {
        var c = conversationId is not null && _conversations.TryGetValue(conversationId, out var byId)
            ? byId
            : _conversations.GetValueOrDefault(dialogId) ?? _order.FirstOrDefault(x => x.Dialogs.Any(d => d.DialogId == dialogId));
        var dialog = c?.Dialogs.FirstOrDefault(d => d.DialogId == dialogId);
        if (c is null || dialog is null)
            throw new WorldException(404, "Unknown dialog");
        if (c.ConsumerId != consumerId)
            throw new WorldException(403, "The dialog belongs to another consumer");
        return (c, dialog);
    }

    /// <summary>A consumer's conversations (callers hold <see cref="Gate"/>).</summary>
    public IEnumerable<SimConversation> ConversationsOf(string consumerId) => _order.Where(c => c.ConsumerId == consumerId);

    public SimConversation Find(string conversationId, string? requesterConsumerId)
    {
        lock (_gate)
        {
            if (!_conversations.TryGetValue(conversationId, out var c))
                throw new WorldException(404, "Unknown conversation");
            if (requesterConsumerId is not null && c.ConsumerId != requesterConsumerId)
                throw new WorldException(403, "The conversation belongs to another consumer");
            return c;
        }
    }

    private SimConversation Open(string conversationId)
    {
        var c = Find(conversationId, null);
        if (c.State != "OPEN")
            throw new WorldException(400, "The conversation is closed");
        return c;
    }

    /// <summary>A new state version: frozen, recorded, sent to every socket of the consumer that subscribed.</summary>
    private void Emit(SimConversation c)
    {
        c.LastUpdateTs = Now();
        var json = WireJson.ConversationState(c, settings.Account, _random, settings.Quirks);
        c.StateVersions.Add(json);
        CountEmitted(c.ConsumerId);
        foreach (var listener in Listeners(c.ConsumerId))
            listener.ConversationChanged(c, json);
    }

    private void CountEmitted(string consumerId)
    {
        if (_consumers.TryGetValue(consumerId, out var consumer))
            consumer.Emitted++;
    }

    private List<IConversationListener> Listeners(string consumerId) =>
        _consumers.TryGetValue(consumerId, out var consumer) ? consumer.Connections.ToList() : [];

    /// <summary>
    /// Strictly increasing milliseconds, so every state version has a later metaDataLastUpdateTs — from the simulated
    /// clock inside <see cref="At"/> (strictly increasing on its own: a past conversation does not move the real one).
    /// </summary>
    private long Now()
    {
        if (_simulated.Value is { } simulated)
            return simulated.Next();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        _lastTs = Math.Max(now, _lastTs + 1);
        return _lastTs;
    }

    private Guid NewGuid()
    {
        var bytes = new byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private string NewDialogIdLocked()
    {
        var bytes = new byte[16];
        _random.NextBytes(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private sealed class ClockScope(SimulatorWorld world, SimulatedClock? previous) : IDisposable
    {
        public void Dispose() => world._simulated.Value = previous;
    }
}
