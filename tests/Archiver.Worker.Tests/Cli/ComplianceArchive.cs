using System.Text.Json;
using System.Text.Json.Serialization;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Protocol;
using Archiver.Worker.Projections;
using Archiver.Worker.Tests.Store;

namespace Archiver.Worker.Tests.Cli;

/// <summary>
/// A fresh archive (one per test class) holding three realistic conversations, archived the way the worker archives
/// them: raw UMS changes (as in /work/shared/protocol/samples) mapped by <see cref="ArchiveMapping"/> and appended
/// through the real store with the real inline projections. The ground truth is kept alongside.
/// <list type="bullet">
/// <item><see cref="Alpha"/> (2024-05-01 09:00Z): consumer and agent, receipts both ways, a rich card, a hosted file, a
/// transfer, closed by the consumer, a post-survey dialog answered, legacy CSAT 5/resolved.</item>
/// <item><see cref="Bravo"/> (2024-05-01 10:00Z): a short one closed by the agent, no CSAT.</item>
/// <item><see cref="Charlie"/> (2024-04-30 10:00Z): outside the export window used by the tests; still open.</item>
/// </list>
/// </summary>
public sealed class ComplianceArchive : MigratedDatabase
{
    public static readonly DateTimeOffset WindowFrom = new(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset WindowTo = new(2024, 5, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A's agent answers with a comma, quotes and a newline: the text every format must keep intact.</summary>
    public const string AwkwardText = "Sorry to hear that. Could you confirm the \"delivery address\", please?\nI will check the parcel.";

    /// <summary>HTML-sensitive text: must come out encoded in the HTML export, never as markup.</summary>
    public const string MarkupText = "It is 12 <Rue> & Co, <script>alert(\"x\")</script> — Le Marais";

    public ScriptedConversation Alpha { get; private set; } = null!;
    public ScriptedConversation Bravo { get; private set; } = null!;
    public ScriptedConversation Charlie { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var store = CreateStore(new TranscriptProjection(), new ReadModelsProjection(), new AgentsProjection());

        Alpha = new ScriptedConversation(WindowFrom.AddHours(9));
        var a = Alpha;
        a.Observe("OPEN", "OPEN", null, [(a.Consumer, "CONSUMER")], mainOpen: true);
        var opening = a.Say(a.Id, a.Consumer, "CONSUMER", "Hi, my order #48213 has not arrived yet.");
        a.Observe("OPEN", "OPEN", null, [(a.Consumer, "CONSUMER"), (a.Agent1, "ASSIGNED_AGENT")], mainOpen: true);
        a.Receipt(a.Id, a.Agent1, "ASSIGNED_AGENT", "ACCEPT", opening);
        a.Receipt(a.Id, a.Agent1, "ASSIGNED_AGENT", "READ", opening);
        var awkward = a.Say(a.Id, a.Agent1, "ASSIGNED_AGENT", AwkwardText);
        a.Receipt(a.Id, a.Consumer, "CONSUMER", "ACCEPT", awkward);
        a.Receipt(a.Id, a.Consumer, "CONSUMER", "READ", awkward);
        a.Receipt(a.Id, a.Consumer, "CONSUMER", "READ", awkward); // a repeated receipt: the first one counts
        var card = a.Rich(a.Id, a.Agent1, "ASSIGNED_AGENT",
            """{"type":"vertical","elements":[{"type":"text","text":"Your order","style":{"bold":true}},{"type":"button","title":"Track parcel","click":{"actions":[{"type":"link","name":"Track","uri":"https://example.invalid/track"}]}}]}""");
        a.Receipt(a.Id, a.Consumer, "CONSUMER", "READ", card);
        a.Say(a.Id, a.Consumer, "CONSUMER", MarkupText);
        // Transfer: the first agent leaves, the second joins, in one observation.
        a.Observe("OPEN", "OPEN", null, [(a.Consumer, "CONSUMER"), (a.Agent2, "ASSIGNED_AGENT")], mainOpen: true);
        var file = a.File(a.Id, a.Agent2, "ASSIGNED_AGENT", "Receipt 48213", "/v1/AUTH_async-images/64467156/receipt-48213.png");
        a.Receipt(a.Id, a.Agent2, "ASSIGNED_AGENT", "READ", file); // the author's own receipt: not "read by the other side"
        a.Receipt(a.Id, a.Consumer, "CONSUMER", "ACCEPT", file);
        a.Say(a.Id, a.Consumer, "CONSUMER", "Thanks — that’s great 👍 ありがとう");
        // The consumer closes; the post-conversation survey opens with the survey bot.
        a.Observe("CLOSE", "OPEN", "CONSUMER", [(a.Consumer, "CONSUMER"), (a.Agent2, "ASSIGNED_AGENT"), (a.Bot, "AGENT")], mainOpen: false, survey: "OPEN");
        var question = a.Say(a.Survey, a.Bot, "AGENT", "How would you rate this conversation?");
        a.Receipt(a.Survey, a.Consumer, "CONSUMER", "READ", question);
        a.Say(a.Survey, a.Consumer, "CONSUMER", "5", """[{"type":"Answer","questionId":"q1","id":"a5","provider":"AC"}]""");
        a.Observe("CLOSE", "CLOSE", "CONSUMER", [(a.Consumer, "CONSUMER"), (a.Agent2, "ASSIGNED_AGENT"), (a.Bot, "AGENT")], mainOpen: false,
            survey: "CLOSE", csat: (5, true, "FILLED"));

        Bravo = new ScriptedConversation(WindowFrom.AddHours(10));
        var b = Bravo;
        b.Observe("OPEN", "OPEN", null, [(b.Consumer, "CONSUMER"), (b.Agent1, "ASSIGNED_AGENT")], mainOpen: true);
        var charged = b.Say(b.Id, b.Consumer, "CONSUMER", "Hello — I was charged twice for invoice 7781.");
        b.Receipt(b.Id, b.Agent1, "ASSIGNED_AGENT", "READ", charged);
        b.Say(b.Id, b.Agent1, "ASSIGNED_AGENT", "The refund is issued.\nIt takes three days");
        b.Observe("CLOSE", "CLOSE", "AGENT", [(b.Consumer, "CONSUMER"), (b.Agent1, "ASSIGNED_AGENT")], mainOpen: false);

        Charlie = new ScriptedConversation(WindowFrom.AddHours(-14));
        var c = Charlie;
        c.Observe("OPEN", "OPEN", null, [(c.Consumer, "CONSUMER")], mainOpen: true);
        c.Say(c.Id, c.Consumer, "CONSUMER", "Can I change the delivery address of order 51120?");

        foreach (var step in new[] { Charlie, Alpha, Bravo }.SelectMany(s => s.Steps))
            await store.AppendAsync(step);
    }

    /// <summary>Connection for the <c>archiver</c> process under test.</summary>
    public Dictionary<string, string?> Environment() => new() { ["ConnectionStrings__Archive"] = ConnectionString };
}

/// <summary>One message as seeded, with the receipts a reader must derive for it (the first by someone other than the author).</summary>
public sealed record SeededMessage(
    string DialogId, string DialogType, long Sequence, string OriginatorId, string OriginatorRole, string Role, string ContentType,
    string? Text, string? FilePath, string? RichContent, DateTimeOffset ServerTimestamp)
{
    public DateTimeOffset? AcceptedAt { get; set; }

    public DateTimeOffset? ReadAt { get; set; }
}

/// <summary>
/// Builds one conversation as UMS would deliver it, step by step (each step is one append, as the worker would batch
/// it), and records what was said. The clock moves 7 s per step.
/// </summary>
public sealed class ScriptedConversation(DateTimeOffset start)
{
    private static readonly JsonSerializerOptions Wire = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The consumer (in the worker's configuration) these changes are archived as received by.</summary>
    private const string ConsumerName = "compliance-tests";

    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private ConversationSnapshot? _latest;
    private long _clock = start.ToUnixTimeMilliseconds();

    public string Id { get; } = Guid.NewGuid().ToString();
    public string Survey { get; } = Guid.NewGuid().ToString();
    public string Consumer { get; } = Guid.NewGuid().ToString();
    public string Agent1 { get; } = Guid.NewGuid().ToString();
    public string Agent2 { get; } = Guid.NewGuid().ToString();
    public string Bot { get; } = Guid.NewGuid().ToString();

    public DateTimeOffset Start { get; } = start;
    public DateTimeOffset? End { get; private set; }
    public DateTimeOffset? LastUpdate { get; private set; }
    public string? State { get; private set; }
    public string? Stage { get; private set; }
    public string? CloseReason { get; private set; }
    public (int Rate, bool Resolved, string Status)? Csat { get; private set; }
    public List<NewEvent[]> Steps { get; } = [];
    public List<SeededMessage> Messages { get; } = [];

    /// <summary>The messages in transcript order: MAIN by sequence, then the survey by sequence.</summary>
    public IEnumerable<SeededMessage> Transcript =>
        Messages.OrderBy(m => m.DialogId == Id ? 0 : 1).ThenBy(m => m.Sequence);

    public void Observe(string state, string stage, string? closeReason, (string Id, string Role)[] participants, bool mainOpen,
        string? survey = null, (int Rate, bool Resolved, string Status)? csat = null)
    {
        var now = Tick();
        State = state;
        Stage = stage;
        CloseReason = closeReason;
        LastUpdate = DateTimeOffset.FromUnixTimeMilliseconds(now);
        if (!mainOpen && End is null)
            End = LastUpdate;
        Csat = csat;
        var start = Start.ToUnixTimeMilliseconds();
        var dialogs = new List<object>
        {
            new
            {
                dialogId = Id,
                participantsDetails = participants.Where(p => p.Role != "AGENT").Select(p => new { id = p.Id, role = p.Role }),
                dialogType = "MAIN", channelType = "MESSAGING", state = mainOpen ? "OPEN" : "CLOSE", creationTs = start,
                endTs = mainOpen ? null : (long?)End!.Value.ToUnixTimeMilliseconds(), metaDataLastUpdateTs = now,
                closedBy = mainOpen ? null : closeReason,
            },
        };
        if (survey is not null)
        {
            dialogs.Add(new
            {
                dialogId = Survey,
                participantsDetails = new[] { new { id = Consumer, role = "CONSUMER" }, new { id = Bot, role = "AGENT" } },
                dialogType = "POST_SURVEY", channelType = "MESSAGING", state = survey, creationTs = End!.Value.ToUnixTimeMilliseconds() + 1,
                endTs = survey == "CLOSE" ? (long?)now : null, metaDataLastUpdateTs = now,
            });
        }
        var change = new
        {
            type = "UPSERT",
            result = new
            {
                convId = Id,
                effectiveTTR = -1,
                conversationDetails = new
                {
                    skillId = "1089636032",
                    participants = participants.Select(p => new { id = p.Id, role = p.Role }),
                    dialogs,
                    brandId = "64467156",
                    state,
                    stage,
                    closeReason,
                    startTs = start,
                    endTs = End?.ToUnixTimeMilliseconds(),
                    metaDataLastUpdateTs = now,
                    ttr = new { ttrType = "PRIORITIZED", value = 600 },
                    csat = csat is { } c ? new { csatRate = c.Rate, csatResolutionConfirmation = c.Resolved, status = c.Status } : null,
                },
            },
        };
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(change, Wire));
        var (events, latest) = ArchiveMapping.ForConversation(ConversationChange.Read(json.RootElement), _latest, ConsumerName);
        _latest = latest;
        Steps.Add([.. events]);
    }

    public long Say(string dialog, string originator, string role, string text, string? metadata = null) =>
        Message(dialog, originator, role, JsonSerializer.Serialize(new { type = "ContentEvent", message = text, contentType = "text/plain" }), metadata,
            "text/plain", text, null, null);

    public long File(string dialog, string originator, string role, string caption, string path) =>
        Message(dialog, originator, role,
            JsonSerializer.Serialize(new
            {
                type = "ContentEvent", contentType = "hosted/file",
                message = new { caption, relativePath = path, fileType = "PNG", preview = "data:image/png;base64,iVBORw0KGgo=" },
            }), null, "hosted/file", caption, path, null);

    public long Rich(string dialog, string originator, string role, string content) =>
        Message(dialog, originator, role, $$"""{"type":"RichContentEvent","content":{{content}}}""", null, "rich-content", null, null, content);

    /// <summary>An AcceptStatusEvent (its own sequence in the dialog) for one message.</summary>
    public void Receipt(string dialog, string originator, string role, string status, long sequence)
    {
        var at = Change(dialog, originator, role, $$"""{"type":"AcceptStatusEvent","status":"{{status}}","sequenceList":[{{sequence}}]}""", null);
        var message = Messages.Single(m => m.DialogId == dialog && m.Sequence == sequence);
        if (message.OriginatorId == originator)
            return;
        if (status == "ACCEPT")
            message.AcceptedAt ??= at;
        else if (status == "READ")
            message.ReadAt ??= at;
    }

    private long Message(string dialog, string originator, string role, string @event, string? metadata, string contentType,
        string? text, string? path, string? rich)
    {
        var sequence = _sequences.GetValueOrDefault(dialog);
        var at = Change(dialog, originator, role, @event, metadata);
        Messages.Add(new SeededMessage(dialog, dialog == Id ? "MAIN" : "POST_SURVEY", sequence, originator, role,
            role == "CONSUMER" ? "consumer" : "agent", contentType, text, path, rich, at));
        return sequence;
    }

    /// <summary>One messaging change, as in notification.ms.MessagingEventNotification.*.json, archived as the worker does.</summary>
    private DateTimeOffset Change(string dialog, string originator, string role, string @event, string? metadata)
    {
        var sequence = _sequences.GetValueOrDefault(dialog);
        _sequences[dialog] = sequence + 1;
        var now = Tick();
        var change =
            $$"""{"sequence":{{sequence}},"originatorId":"{{originator}}","originatorMetadata":{"id":"{{originator}}","role":"{{role}}"},"serverTimestamp":{{now}},"event":{{@event}},"conversationId":"{{Id}}","dialogId":"{{dialog}}"{{(metadata is null ? "" : $",\"metadata\":{metadata}")}}}""";
        using var json = JsonDocument.Parse(change);
        Steps.Add([ArchiveMapping.ForMessaging(MessagingChange.Read(json.RootElement), ConsumerName, archiveChatStates: false)!]);
        return DateTimeOffset.FromUnixTimeMilliseconds(now);
    }

    private long Tick() => _clock += 7_000;
}
