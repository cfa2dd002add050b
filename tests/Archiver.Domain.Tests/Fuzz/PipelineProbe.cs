using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Hashing;
using Archiver.Domain.Projections;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Fuzz;

/// <summary>Something that went wrong for one frame: where, what kind of thing (the grouping key), and the particulars.</summary>
/// <param name="Observation">Not a broken promise, but worth a look (a well-formed frame rejected as "not JSON").</param>
/// <param name="Family">
/// What stays the same while a frame is made smaller: for an exception its stage and type, since the method it is
/// named after in <see cref="Kind"/> may be inlined once the code is hot.
/// </param>
internal sealed record Finding(string Stage, string Kind, string Detail, bool Observation = false, string? Family = null)
{
    public string Signature => $"{Stage} | {Kind}";

    public string Likeness => Family ?? Signature;
}

/// <summary>How much of the pipeline a run exercised, so a fuzz that only ever hits rejections is noticed.</summary>
internal sealed class Tally
{
    public long Frames { get; set; }

    public long Rejections { get; set; }

    public long Changes { get; set; }

    public long Events { get; set; }

    public long Unmapped { get; set; }

    public Dictionary<string, long> Rows { get; } = new(StringComparer.Ordinal);

    public void Row(string fold) => Rows[fold] = Rows.GetValueOrDefault(fold) + 1;
}

/// <summary>
/// One frame through the whole pure layer — FrameParser.Parse, ArchiveMapping (with and without chat states; a
/// conversation change with no previous state, a previous one, and itself repeated), every mapped event as a
/// RecordedEvent through every fold — with every invariant of the domain checked on the way. Never throws: an exception
/// of the domain or a broken invariant is a <see cref="Finding"/>.
/// </summary>
internal sealed class PipelineProbe(string consumer)
{
    private static readonly DateTimeOffset RecordedAt = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] SomeHash = new byte[EventHash.Size];
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _unrecognisedStream = ArchiveEventTypes.UnrecognisedStream(consumer);
    private readonly Dictionary<string, bool> _valid = new(ReferenceEqualityComparer.Instance);
    private long _globalPosition;

    public Tally Tally { get; } = new();

    public List<Finding> Run(ReadOnlyMemory<byte> frameBytes, ConversationSnapshot? previous)
    {
        var findings = new List<Finding>();
        _valid.Clear();
        Tally.Frames++;
        ServerFrame? frame;
        FrameRejection? rejection;
        try
        {
            frame = FrameParser.Parse(frameBytes, out rejection);
        }
        catch (Exception e)
        {
            findings.Add(Threw("FrameParser.Parse", e));
            return findings;
        }

        if (frame is null)
        {
            Tally.Rejections++;
            if (rejection is null)
                findings.Add(new Finding("FrameParser.Parse", "neither a frame nor a rejection", ""));
            else if (!IssueReasons.All.Contains(rejection.Reason))
                findings.Add(new Finding("FrameParser.Parse", "a rejection reason outside IssueReasons.All", rejection.Reason));
            else if (rejection.Reason == IssueReasons.FrameNotJson)
                WellFormedButRejected(frameBytes, rejection, findings);
            return findings;
        }
        if (rejection is not null)
            findings.Add(new Finding("FrameParser.Parse", "both a frame and a rejection", rejection.Reason));

        var frameText = Encoding.UTF8.GetString(frameBytes.Span);
        switch (frame)
        {
            case MessagingNotification messaging:
                foreach (var change in messaging.Changes)
                    Messaging(change, frameText, findings);
                break;
            case ConversationNotification conversations:
                foreach (var change in conversations.Changes)
                    Conversation(change, previous, frameText, findings);
                break;
            case UnrecognisedFrame unrecognised:
                Unrecognised(unrecognised, frameText, findings);
                break;
        }
        return findings;
    }

    /// <summary>
    /// A frame rejected as "not JSON" that is well-formed UTF-8 JSON within the depth limit: the parser swallowed an
    /// exception of its own. Each change is read directly, to name what threw (MessagingChange.Read and
    /// ConversationChange.Read must never fail).
    /// </summary>
    private static void WellFormedButRejected(ReadOnlyMemory<byte> frameBytes, FrameRejection rejection, List<Finding> findings)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(frameBytes.Span);
        }
        catch (DecoderFallbackException)
        {
            return; // really not UTF-8
        }
        if (!JsonContent.IsValid(text))
            return;
        using var document = JsonLimits.Parse(text);
        var changes = new List<JsonElement>();
        try
        {
            var body = document.RootElement.Property("body");
            changes.AddRange(body.Property("changes") is { ValueKind: not JsonValueKind.Undefined } list ? list.ElementOrArray() : [body]);
        }
        catch (InvalidOperationException e)
        {
            findings.Add(new Finding("FrameParser.Parse", "a well-formed frame rejected as frame_not_json (a key of the frame itself)", $"{rejection.Detail}; {e.Message}", Observation: true));
            return;
        }
        var threw = false;
        foreach (var change in changes.Where(c => c.ValueKind != JsonValueKind.Undefined))
        {
            try
            {
                MessagingChange.Read(change);
            }
            catch (Exception e)
            {
                threw = true;
                findings.Add(Threw("MessagingChange.Read", e));
            }
            try
            {
                ConversationChange.Read(change);
            }
            catch (Exception e)
            {
                threw = true;
                findings.Add(Threw("ConversationChange.Read", e));
            }
        }
        if (!threw)
            findings.Add(new Finding("FrameParser.Parse", "a well-formed frame rejected as frame_not_json", rejection.Detail, Observation: true));
    }

    private void Messaging(MessagingChange change, string frameText, List<Finding> findings)
    {
        Tally.Changes++;
        Verbatim("MessagingChange.Read", change.Json, frameText, findings);
        NewEvent? withoutChatStates = null;
        foreach (var archiveChatStates in (bool[])[false, true])
        {
            var stage = $"ArchiveMapping.ForMessaging(archiveChatStates: {archiveChatStates})";
            NewEvent? e;
            try
            {
                e = ArchiveMapping.ForMessaging(change, consumer, archiveChatStates);
            }
            catch (Exception ex)
            {
                findings.Add(Threw(stage, ex));
                continue;
            }
            if (e is null)
            {
                if (archiveChatStates || change.EventType != "ChatStateEvent")
                    findings.Add(new Finding(stage, "no event for a change", $"{change.EventType} of dialog {change.DialogId}"));
                continue;
            }
            CheckMessagingEvent(stage, change, e, findings);
            if (withoutChatStates is not null && Same(withoutChatStates, e))
                continue;
            withoutChatStates ??= e;
            Fold(stage, e, fromWire: true, findings);
        }
    }

    private void CheckMessagingEvent(string stage, MessagingChange change, NewEvent e, List<Finding> findings)
    {
        CheckEvent(stage, e, findings);
        if (!string.Equals(e.Body, change.Json, StringComparison.Ordinal))
            findings.Add(new Finding(stage, "the body is not the change's JSON verbatim", Shown(e.Body)));
        switch (StreamKeys.KindOf(e.StreamId))
        {
            case StreamKind.Dialog:
                if (e.StreamId != change.DialogId || StreamKeys.Problem(e.StreamId) is not null)
                    findings.Add(new Finding(stage, "a dialog stream that is not the change's usable dialogId", Shown(e.StreamId)));
                if (e.Position is not { } position || position < 0 || position != change.Sequence)
                    findings.Add(new Finding(stage, "a dialog event not positioned at its sequence", $"{e.Position} vs {change.Sequence}"));
                if (ArchiveEventTypes.Reserved.Contains(e.Type) && e.Issues?.Any(i => i.Reason == IssueReasons.EventTypeReserved) != true)
                    findings.Add(new Finding(stage, "a wire event with one of the archive's own type names, without event_type_reserved", e.Type));
                break;
            case StreamKind.ChatState:
                if (e.Type != "ChatStateEvent" || e.Position is not null || e.StreamId != ArchiveEventTypes.ChatStateStream(change.DialogId ?? ""))
                    findings.Add(new Finding(stage, "something other than a chat state in a chat-state stream", $"{e.Type} at {e.Position}"));
                break;
            case StreamKind.Unrecognised:
                CheckUnmapped(stage, e, [IssueReasons.ChangeNotObject, IssueReasons.DialogIdInvalid, IssueReasons.SequenceInvalid], findings);
                break;
            default:
                findings.Add(new Finding(stage, "a wire change filed in one of the archive's own streams", Shown(e.StreamId)));
                break;
        }
    }

    private void Conversation(ConversationChange change, ConversationSnapshot? previous, string frameText, List<Finding> findings)
    {
        Tally.Changes++;
        Verbatim("ConversationChange.Read", change.Json, frameText, findings);
        var keyUsable = StreamKeys.Problem(change.ConversationId) is null;

        var first = MapConversation("ArchiveMapping.ForConversation(latest: null)", change, null, keyUsable, findings);
        var afterPrevious = MapConversation("ArchiveMapping.ForConversation(latest: a previous state)", change, previous, keyUsable, findings);
        if (first is { Latest: { } latest })
        {
            const string stage = "ArchiveMapping.ForConversation(latest: the same state)";
            var again = MapConversation(stage, change, latest, keyUsable, findings);
            if (again is not null && (again.Value.Events.Count != 1 || again.Value.Events[0].DedupeKey != first.Value.Events[0].DedupeKey))
                findings.Add(new Finding(stage, "a repeated identical state gave facts or another key", string.Join(",", again.Value.Events.Select(e => e.Type))));
        }

        var folded = new HashSet<(string, string, string)>();
        foreach (var (stage, events) in new[] { ("ArchiveMapping.ForConversation(latest: null)", first?.Events), ("ArchiveMapping.ForConversation(latest: a previous state)", afterPrevious?.Events) })
        {
            foreach (var e in events ?? [])
            {
                if (folded.Add((e.StreamId, e.Type, e.Body)))
                    Fold(stage, e, fromWire: false, findings);
            }
        }
    }

    private (IReadOnlyList<NewEvent> Events, ConversationSnapshot? Latest)? MapConversation(
        string stage, ConversationChange change, ConversationSnapshot? latest, bool keyUsable, List<Finding> findings)
    {
        (IReadOnlyList<NewEvent> Events, ConversationSnapshot? Latest) result;
        try
        {
            result = ArchiveMapping.ForConversation(change, latest, consumer);
        }
        catch (Exception e)
        {
            findings.Add(Threw(stage, e));
            return null;
        }

        if (result.Events.Count == 0)
        {
            findings.Add(new Finding(stage, "no event for a change", ""));
            return result;
        }
        foreach (var e in result.Events)
            CheckEvent(stage, e, findings);
        var observed = result.Events[0];
        if (!string.Equals(observed.Body, change.Json, StringComparison.Ordinal))
            findings.Add(new Finding(stage, "the observation's body is not the change's JSON verbatim", Shown(observed.Body)));
        if (!keyUsable)
        {
            if (result.Events.Count != 1 || !ReferenceEquals(result.Latest, latest))
                findings.Add(new Finding(stage, "an unusable conversation id gave more than its UnmappedChange, or moved the latest state", ""));
            CheckUnmapped(stage, observed, [IssueReasons.ConversationIdInvalid], findings);
            return result;
        }
        var stream = ArchiveEventTypes.ConversationStream(change.ConversationId!);
        if (observed.Type != ArchiveEventTypes.ConversationObserved)
            findings.Add(new Finding(stage, "the first event is not the observation", observed.Type));
        if (result.Events.Any(e => e.StreamId != stream || e.Position is not null || e.DedupeKey is null))
            findings.Add(new Finding(stage, "an event outside the conversation's stream, positioned, or without a dedupe key", ""));
        if (result.Events.Select(e => e.DedupeKey).Distinct(StringComparer.Ordinal).Count() != result.Events.Count)
            findings.Add(new Finding(stage, "two events of one change share a dedupe key", ""));
        return result;
    }

    private void Unrecognised(UnrecognisedFrame frame, string frameText, List<Finding> findings)
    {
        const string stage = "ArchiveMapping.ForUnrecognised";
        Verbatim("FrameParser.Parse", frame.Json, frameText, findings);
        NewEvent e;
        try
        {
            e = ArchiveMapping.ForUnrecognised(consumer, frame.Json);
        }
        catch (Exception ex)
        {
            findings.Add(Threw(stage, ex));
            return;
        }
        CheckEvent(stage, e, findings);
        if (!string.Equals(e.Body, frame.Json, StringComparison.Ordinal) || e.StreamId != _unrecognisedStream)
            findings.Add(new Finding(stage, "an unrecognised frame not kept verbatim in the consumer's unrecognised stream", e.StreamId));
        Fold(stage, e, fromWire: true, findings);
    }

    private void CheckUnmapped(string stage, NewEvent e, string[] reasons, List<Finding> findings)
    {
        Tally.Unmapped++;
        if (e.StreamId != _unrecognisedStream || e.Type != ArchiveEventTypes.UnmappedChange || e.Position is not null)
            findings.Add(new Finding(stage, "an unusable change not filed as an UnmappedChange in the consumer's unrecognised stream", $"{e.StreamId} {e.Type}"));
        if (e.Issues is not { Count: > 0 } issues || !reasons.Contains(issues[0].Reason))
            findings.Add(new Finding(stage, "an UnmappedChange without the reason", string.Join(",", e.Issues?.Select(i => i.Reason) ?? [])));
    }

    /// <summary>What every event must be: storable ids and type, a body the store accepts, a time in range, issues from the closed set.</summary>
    private void CheckEvent(string stage, NewEvent e, List<Finding> findings)
    {
        if (!IsValid(e.Body))
            findings.Add(new Finding(stage, "a body the store refuses (JsonContent.IsValid is false)", Shown(e.Body)));
        Text(stage, "StreamId", e.StreamId, findings);
        Text(stage, "Type", e.Type, findings);
        Text(stage, "DedupeKey", e.DedupeKey, findings);
        Time(stage, "ServerTimestamp", e.ServerTimestamp, findings);
        if (e.Type.Length == 0 || e.StreamId.Length == 0)
            findings.Add(new Finding(stage, "an empty stream id or type", $"{e.StreamId} {e.Type}"));
        Issues(stage, e.Issues ?? [], findings);
    }

    private void Fold(string mapping, NewEvent n, bool fromWire, List<Finding> findings)
    {
        if (!IsValid(n.Body))
            return; // reported by CheckEvent; the store would refuse it, so no fold ever sees it
        Tally.Events++;
        var e = new RecordedEvent(++_globalPosition, n.StreamId, n.Position ?? 0, n.Type, n.Body, n.ServerTimestamp, RecordedAt, n.DedupeKey, EventHash.Genesis, SomeHash);
        var kind = StreamKeys.KindOf(e.StreamId);
        var where = $"{n.Type} from {mapping}";

        Run("TranscriptFold.Message", e, TranscriptFold.Message, (m, stage, issues) =>
        {
            Expect(stage, kind == StreamKind.Dialog && m.DialogId == e.StreamId && m.Sequence == e.Position, "a message row not from its dialog stream", where, findings);
            Text(stage, "DialogId", m.DialogId, findings, required: true);
            Text(stage, "ConversationId", m.ConversationId, findings);
            Text(stage, "EventType", m.EventType, findings, required: true);
            Text(stage, "OriginatorId", m.OriginatorId, findings);
            Text(stage, "OriginatorRole", m.OriginatorRole, findings);
            Text(stage, "ContentType", m.ContentType, findings);
            Text(stage, "Text", m.Text, findings);
            Text(stage, "FilePath", m.FilePath, findings);
            if (Storable.JsonbProblem(m.RichContentJson) is { } problem)
                findings.Add(new Finding(stage, $"RichContentJson jsonb refuses: {Category(problem)}", problem));
            Time(stage, "ServerTimestamp", m.ServerTimestamp, findings);
            Reported(stage, e.Body, issues, findings, ("ConversationId", m.ConversationId), ("OriginatorId", m.OriginatorId), ("OriginatorRole", m.OriginatorRole),
                ("ContentType", m.ContentType), ("Text", m.Text), ("FilePath", m.FilePath));
        }, findings);

        Run("TranscriptFold.Dialog", e, TranscriptFold.Dialog, (d, stage, issues) =>
        {
            Expect(stage, kind == StreamKind.Conversation && !fromWire, "a dialog row not from a conversation stream's fact", where, findings);
            Text(stage, "DialogId", d.DialogId, findings, required: true);
            Text(stage, "ConversationId", d.ConversationId, findings, required: true);
            Text(stage, "DialogType", d.DialogType, findings);
            Text(stage, "ChannelType", d.ChannelType, findings);
            Text(stage, "State", d.State, findings, required: true);
            Text(stage, "ClosedBy", d.ClosedBy, findings);
            Text(stage, "ClosedCause", d.ClosedCause, findings);
            Time(stage, "OpenedAt", d.OpenedAt, findings);
            Time(stage, "ClosedAt", d.ClosedAt, findings);
        }, findings);

        Run("ReadModelFold.Receipts", e, (r, issues) => ReadModelFold.Receipts(r, issues).ToList(), (receipts, stage, issues) =>
        {
            foreach (var r in receipts)
            {
                Expect(stage, kind == StreamKind.Dialog && r.DialogId == e.StreamId && r.Sequence >= 0, "a receipt not from its dialog stream", where, findings);
                Text(stage, "DialogId", r.DialogId, findings, required: true);
                Text(stage, "ParticipantId", r.ParticipantId, findings, required: true);
                Text(stage, "ParticipantRole", r.ParticipantRole, findings);
                Time(stage, "AcceptedAt", r.AcceptedAt, findings);
                Time(stage, "ReadAt", r.ReadAt, findings);
                Reported(stage, e.Body, issues, findings, ("ParticipantId", r.ParticipantId), ("ParticipantRole", r.ParticipantRole));
            }
        }, findings, count: receipts => receipts.Count);

        Run("ReadModelFold.Conversation", e, ReadModelFold.Conversation, (c, stage, issues) =>
        {
            Expect(stage, kind == StreamKind.Conversation && !fromWire, "a conversation row not from a conversation stream's observation", where, findings);
            Text(stage, "ConversationId", c.ConversationId, findings, required: true);
            Text(stage, "ConsumerId", c.ConsumerId, findings);
            Text(stage, "BrandId", c.BrandId, findings);
            Text(stage, "SkillId", c.SkillId, findings);
            Text(stage, "AgentId", c.AgentId, findings);
            Text(stage, "State", c.State, findings);
            Text(stage, "Stage", c.Stage, findings);
            Text(stage, "CloseReason", c.CloseReason, findings);
            Time(stage, "Start", c.Start, findings);
            Time(stage, "End", c.End, findings);
            Time(stage, "LastUpdate", c.LastUpdate, findings);
            Reported(stage, e.Body, issues, findings, ("ConsumerId", c.ConsumerId), ("BrandId", c.BrandId), ("SkillId", c.SkillId), ("AgentId", c.AgentId),
                ("State", c.State), ("Stage", c.Stage), ("CloseReason", c.CloseReason));
        }, findings);

        Run("ReadModelFold.Csat", e, ReadModelFold.Csat, (c, stage, issues) =>
        {
            Expect(stage, kind == StreamKind.Conversation && !fromWire, "a CSAT row not from a conversation stream's fact", where, findings);
            Text(stage, "ConversationId", c.ConversationId, findings, required: true);
            Text(stage, "Status", c.Status, findings);
            Time(stage, "SubmittedAt", c.SubmittedAt, findings);
        }, findings);

        Run("ReadModelFold.Participant", e, ReadModelFold.Participant, (p, stage, issues) =>
        {
            Expect(stage, kind == StreamKind.Conversation && !fromWire, "a participant row not from a conversation stream's fact", where, findings);
            Text(stage, "ConversationId", p.ConversationId, findings, required: true);
            Text(stage, "ParticipantId", p.ParticipantId, findings, required: true);
            Text(stage, "Role", p.Role, findings, required: true);
            Text(stage, "Change", p.Change, findings, required: true);
            Time(stage, "At", p.At, findings);
        }, findings);

        Run("ReadModelFold.SurveyAnswer", e, ReadModelFold.SurveyAnswer, (s, stage, issues) =>
        {
            Expect(stage, kind == StreamKind.Dialog && s.DialogId == e.StreamId, "a survey answer not from its dialog stream", where, findings);
            Text(stage, "DialogId", s.DialogId, findings, required: true);
            Text(stage, "ConversationId", s.ConversationId, findings, required: true);
            Text(stage, "QuestionId", s.QuestionId, findings);
            Text(stage, "AnswerId", s.AnswerId, findings);
            Text(stage, "AnswerText", s.AnswerText, findings);
            Time(stage, "AnsweredAt", s.AnsweredAt, findings);
            Reported(stage, e.Body, issues, findings, ("ConversationId", s.ConversationId), ("QuestionId", s.QuestionId), ("AnswerId", s.AnswerId),
                ("AnswerText", s.AnswerText));
        }, findings);
    }

    private void Run<T>(string fold, RecordedEvent e, Func<RecordedEvent, List<ArchiveIssue>, T?> project, Action<T, string, List<ArchiveIssue>> check,
        List<Finding> findings, Func<T, int>? count = null)
        where T : class
    {
        var issues = new List<ArchiveIssue>();
        T? row;
        try
        {
            row = project(e, issues);
        }
        catch (Exception ex)
        {
            findings.Add(Threw(fold, ex));
            return;
        }
        Issues(fold, issues, findings);
        if (row is null)
            return;
        for (var i = count?.Invoke(row) ?? 1; i > 0; i--)
            Tally.Row(fold);
        check(row, fold, issues);
    }

    private static void Issues(string stage, IEnumerable<ArchiveIssue> issues, List<Finding> findings)
    {
        foreach (var issue in issues)
        {
            if (!IssueReasons.All.Contains(issue.Reason))
                findings.Add(new Finding(stage, "an issue reason outside IssueReasons.All", issue.Reason));
            Text(stage, "ArchiveIssue.Detail", issue.Detail, findings);
        }
    }

    /// <summary>
    /// A fold that shows U+FFFD where the change had none repaired something (a NUL, a lone surrogate): it must say so, so
    /// that the repair is recorded beside the event.
    /// </summary>
    private static void Reported(string stage, string body, List<ArchiveIssue> issues, List<Finding> findings, params (string Field, string? Value)[] texts)
    {
        if (issues.Any(i => i.Reason == IssueReasons.TextRepaired) || body.Contains('\uFFFD', StringComparison.Ordinal)
            || body.Contains("\\ufffd", StringComparison.OrdinalIgnoreCase))
            return;
        var repaired = texts.Where(t => t.Value?.Contains('\uFFFD', StringComparison.Ordinal) == true).Select(t => t.Field).ToList();
        if (repaired.Count > 0)
            findings.Add(new Finding(stage, "text repaired to U+FFFD without a text_repaired issue", string.Join(", ", repaired)));
    }

    /// <summary>JsonContent.IsValid, once per string: a change's JSON is the body of one or more events.</summary>
    private bool IsValid(string json)
    {
        if (!_valid.TryGetValue(json, out var valid))
            _valid[json] = valid = JsonContent.IsValid(json);
        return valid;
    }

    private void Verbatim(string stage, string json, string frameText, List<Finding> findings)
    {
        if (!frameText.Contains(json, StringComparison.Ordinal))
            findings.Add(new Finding(stage, "the change's JSON is not a verbatim part of the frame", Shown(json)));
        if (!IsValid(json))
            findings.Add(new Finding(stage, "the change's JSON is not one JSON value the store accepts", Shown(json)));
    }

    private static void Text(string stage, string field, string? value, List<Finding> findings, bool required = false)
    {
        if (required && value is null)
            findings.Add(new Finding(stage, $"{field} is null", ""));
        else if (Storable.TextProblem(value) is { } problem)
            findings.Add(new Finding(stage, $"{field} is not storable text", problem));
    }

    private static void Time(string stage, string field, DateTimeOffset? value, List<Finding> findings)
    {
        if (Storable.TimeProblem(value) is { } problem)
            findings.Add(new Finding(stage, $"{field} is out of range", problem));
    }

    private static void Expect(string stage, bool holds, string kind, string detail, List<Finding> findings)
    {
        if (!holds)
            findings.Add(new Finding(stage, kind, detail));
    }

    private static bool Same(NewEvent a, NewEvent b) =>
        a.StreamId == b.StreamId && a.Position == b.Position && a.Type == b.Type && ReferenceEquals(a.Body, b.Body) && a.ServerTimestamp == b.ServerTimestamp;

    /// <summary>The kind of a jsonb problem without its particulars, for grouping.</summary>
    private static string Category(string problem)
    {
        var colon = problem.IndexOf(':', StringComparison.Ordinal);
        var head = colon < 0 ? problem : problem[..colon];
        return head.StartsWith("a number of", StringComparison.Ordinal) ? "a number over 1000 characters" : head;
    }

    /// <summary>An exception as a finding: grouped by its type and the innermost method of the domain it came through.</summary>
    internal static Finding Threw(string stage, Exception e)
    {
        var frames = new StackTrace(e, fNeedFileInfo: false).GetFrames();
        var domain = frames.Select(f => f.GetMethod()).FirstOrDefault(m => m?.DeclaringType?.FullName is { } t
            && t.StartsWith("Archiver.Domain.", StringComparison.Ordinal) && !t.StartsWith("Archiver.Domain.Tests", StringComparison.Ordinal));
        var at = domain is null ? "?" : $"{domain.DeclaringType!.Name}.{domain.Name}";
        var top = frames.FirstOrDefault()?.GetMethod() is { } m ? $"{m.DeclaringType?.Name}.{m.Name}" : "?";
        return new Finding(stage, $"threw {e.GetType().FullName} in {at}", $"{e.Message} (thrown at {top})", Family: $"{stage} | threw {e.GetType().FullName}");
    }

    private static string Shown(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
