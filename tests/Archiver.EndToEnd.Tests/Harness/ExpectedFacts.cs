using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Archiver.EndToEnd.Tests.Harness;

/// <summary>
/// A derived fact of a conversation stream reduced to what it says: its event type and its fields (everything but
/// the conversation id, which the stream names, and the observation, which is compared separately), as text. Two facts
/// are equal when their type and every field are.
/// </summary>
public sealed class Fact : IEquatable<Fact>
{
    /// <summary>The body fields that make up each fact type's identity, in the order they are printed.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> FieldsOf = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["ConversationOpened"] = ["consumerId", "brandId", "skillId", "startTs"],
        ["ParticipantJoined"] = ["participantId", "role", "at"],
        ["ParticipantLeft"] = ["participantId", "role", "at"],
        ["DialogOpened"] = ["dialogId", "dialogType", "channelType", "creationTs"],
        ["DialogClosed"] = ["dialogId", "dialogType", "closedBy", "closedCause", "endTs"],
        ["SkillChanged"] = ["skillId", "at"],
        ["TtrChanged"] = ["ttrType", "value", "at"],
        ["StageChanged"] = ["stage", "at"],
        ["CsatSubmitted"] = ["rate", "resolutionConfirmation", "status", "at"],
        ["ConversationClosed"] = ["closeReason", "endTs"],
    };

    private readonly string[] _values;

    private Fact(string type, string[] values)
    {
        Type = type;
        _values = values;
        Fields = string.Join(", ", FieldsOf[type].Select((name, i) => $"{name}={values[i]}"));
    }

    public string Type { get; }

    /// <summary>Every field as <c>name=value</c> (<c>null</c> for a null, <c>&lt;absent&gt;</c> for a missing one).</summary>
    public string Fields { get; }

    /// <summary>One field's value as text.</summary>
    public string this[string name] => _values[Array.IndexOf(FieldsOf[Type], name)];

    public override string ToString() => $"{Type}({Fields})";

    public bool Equals(Fact? other) => other is not null && Type == other.Type && Fields == other.Fields;

    public override bool Equals(object? obj) => Equals(obj as Fact);

    public override int GetHashCode() => HashCode.Combine(Type, Fields);

    /// <summary>A fact as the test expects it: values in the order of <see cref="FieldsOf"/>.</summary>
    internal static Fact Of(string type, params object?[] values)
    {
        if (FieldsOf[type].Length != values.Length)
            throw new ArgumentException($"{type} has {FieldsOf[type].Length} fields, {values.Length} given");
        return new Fact(type, values.Select(Text).ToArray());
    }

    /// <summary>An archived fact event's body read the same way, or null when the type is not a derived fact.</summary>
    internal static Fact? FromBody(string type, JsonElement body) =>
        FieldsOf.TryGetValue(type, out var names) ? new Fact(type, names.Select(name => Text(body, name)).ToArray()) : null;

    internal static string Text(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        string s => s,
        _ => throw new ArgumentException($"unexpected fact value {value.GetType()}"),
    };

    private static string Text(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var value) ? "<absent>" : value.ValueKind switch
        {
            JsonValueKind.Null => "null",
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => value.GetRawText(),
        };
}

/// <summary>One participant in one role (a person in two roles is two participants).</summary>
public sealed record TrueParticipant(string Id, string Role);

public sealed record TrueDialogState(
    string DialogId, string? DialogType, string? State, string? ChannelType, string? ClosedBy, string? ClosedCause, long? CreationTs, long? EndTs);

/// <summary>
/// One conversation state version (a <c>result</c> of <c>cqm.ExConversationChangeNotification</c>) read by the tests'
/// own rules — deliberately not by the worker's parser, which is what is being checked. The rules are those of
/// src/Archiver.Domain/Protocol/ConversationChange.cs: participants as an array of {id, role} (or one such object), as
/// a role → ids map under <c>participants</c>, or only as <c>participantsPId</c> (which wins over a role map); an
/// <c>endTs</c> of 0 means none; the update time is <c>metaDataLastUpdateTs</c>, else the result's <c>lastUpdateTime</c>.
/// </summary>
public sealed record TrueState(
    long? LastUpdateTs,
    string? State,
    string? Stage,
    string? CloseReason,
    long? StartTs,
    long? EndTs,
    string? SkillId,
    string? BrandId,
    IReadOnlyList<TrueParticipant> Participants,
    IReadOnlyList<TrueDialogState> Dialogs,
    (string? Type, long? Value)? Ttr,
    (long? Rate, bool? Resolution, string? Status)? Csat)
{
    public string? ConsumerId => Participants.FirstOrDefault(p => p.Role == "CONSUMER")?.Id;

    public static TrueState Read(JsonElement result)
    {
        var details = Get(result, "conversationDetails");
        return new TrueState(
            Long(Get(details, "metaDataLastUpdateTs")) ?? Long(Get(result, "lastUpdateTime")),
            Str(Get(details, "state")),
            Str(Get(details, "stage")),
            Str(Get(details, "closeReason")),
            Long(Get(details, "startTs")),
            Long(Get(details, "endTs")) is > 0 and var end ? end : null,
            Str(Get(details, "skillId")),
            Str(Get(details, "brandId")),
            ReadParticipants(details),
            Many(Get(details, "dialogs")).Select(d => Str(Get(d, "dialogId")) is { Length: > 0 } id
                    ? new TrueDialogState(id, Str(Get(d, "dialogType")), Str(Get(d, "state")), Str(Get(d, "channelType")), Str(Get(d, "closedBy")),
                        Str(Get(d, "closedCause")), Long(Get(d, "creationTs")), Long(Get(d, "endTs")) is > 0 and var e ? e : null)
                    : null)
                .OfType<TrueDialogState>().ToList(),
            Get(details, "ttr") is { ValueKind: JsonValueKind.Object } ttr ? (Str(Get(ttr, "ttrType")), Long(Get(ttr, "value"))) : null,
            Get(details, "csat") is { ValueKind: JsonValueKind.Object } csat
                ? (Long(Get(csat, "csatRate")), Bool(Get(csat, "csatResolutionConfirmation")), Str(Get(csat, "status")))
                : null);
    }

    private static List<TrueParticipant> ReadParticipants(JsonElement details)
    {
        var result = new List<TrueParticipant>();
        var participants = Get(details, "participants");
        var isRoleMap = participants.ValueKind == JsonValueKind.Object && !participants.TryGetProperty("id", out _);
        if (!isRoleMap)
        {
            foreach (var p in Many(participants))
            {
                if (Str(Get(p, "id")) is { Length: > 0 } id)
                    result.Add(new TrueParticipant(id, Str(Get(p, "role")) ?? "UNKNOWN"));
            }
        }
        if (result.Count == 0)
        {
            var map = Get(details, "participantsPId") is { ValueKind: JsonValueKind.Object } pid ? pid : isRoleMap ? participants : default;
            if (map.ValueKind == JsonValueKind.Object)
            {
                foreach (var role in map.EnumerateObject())
                {
                    foreach (var id in Many(role.Value))
                    {
                        if (Str(id) is { Length: > 0 } value)
                            result.Add(new TrueParticipant(value, role.Name));
                    }
                }
            }
        }
        return result.Distinct().ToList();
    }

    private static JsonElement Get(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    private static IEnumerable<JsonElement> Many(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => element.EnumerateArray(),
        JsonValueKind.Undefined or JsonValueKind.Null => [],
        _ => [element],
    };

    private static string? Str(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    /// <summary>An integer written as one (never a rounded 1.9), as a number or a string of digits.</summary>
    private static long? Long(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => element.TryGetInt64(out var l) ? l : null,
        JsonValueKind.String => long.TryParse(element.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : null,
        _ => null,
    };

    private static bool? Bool(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => bool.TryParse(element.GetString(), out var b) ? b : null,
        JsonValueKind.Number => element.TryGetInt64(out var n) ? n != 0 : null,
        _ => null,
    };
}

/// <summary>
/// The facts a conversation's state versions imply, computed independently of the worker's ConversationDiff (that is
/// what this checks). For each version, against the one before it (none for the first):
/// ConversationOpened (first version only); ParticipantJoined / ParticipantLeft per (id, role) added / removed;
/// DialogOpened per new dialog; DialogClosed when a dialog's state becomes CLOSE; SkillChanged (not for the first);
/// TtrChanged and CsatSubmitted when present and different (the first version included); StageChanged (not for the
/// first); ConversationClosed when the conversation's state becomes CLOSE.
/// </summary>
public static class ExpectedFacts
{
    /// <summary>The facts implied by each version, index by index.</summary>
    public static IReadOnlyList<IReadOnlyList<Fact>> Of(IReadOnlyList<TrueState> versions)
    {
        var all = new List<IReadOnlyList<Fact>>(versions.Count);
        for (var i = 0; i < versions.Count; i++)
            all.Add(Between(i == 0 ? null : versions[i - 1], versions[i]));
        return all;
    }

    public static IReadOnlyList<Fact> Between(TrueState? before, TrueState now)
    {
        var facts = new List<Fact>();
        var at = now.LastUpdateTs;
        if (before is null)
            facts.Add(Fact.Of("ConversationOpened", now.ConsumerId, now.BrandId, now.SkillId, now.StartTs));

        var previously = before?.Participants ?? [];
        foreach (var p in now.Participants.Except(previously))
            facts.Add(Fact.Of("ParticipantJoined", p.Id, p.Role, at));
        foreach (var p in previously.Except(now.Participants))
            facts.Add(Fact.Of("ParticipantLeft", p.Id, p.Role, at));

        foreach (var dialog in now.Dialogs)
        {
            var old = before?.Dialogs.FirstOrDefault(d => d.DialogId == dialog.DialogId);
            if (old is null)
                facts.Add(Fact.Of("DialogOpened", dialog.DialogId, dialog.DialogType, dialog.ChannelType, dialog.CreationTs));
            if (dialog.State == "CLOSE" && old?.State != "CLOSE")
                facts.Add(Fact.Of("DialogClosed", dialog.DialogId, dialog.DialogType, dialog.ClosedBy, dialog.ClosedCause, dialog.EndTs));
        }

        if (before is not null && before.SkillId != now.SkillId)
            facts.Add(Fact.Of("SkillChanged", now.SkillId, at));
        if (now.Ttr is { } ttr && !Equals(before?.Ttr, now.Ttr))
            facts.Add(Fact.Of("TtrChanged", ttr.Type, ttr.Value, at));
        if (before is not null && now.Stage is not null && before.Stage != now.Stage)
            facts.Add(Fact.Of("StageChanged", now.Stage, at));
        if (now.Csat is { } csat && !Equals(before?.Csat, now.Csat))
            facts.Add(Fact.Of("CsatSubmitted", csat.Rate, csat.Resolution, csat.Status, at));
        if (now.State == "CLOSE" && before?.State != "CLOSE")
            facts.Add(Fact.Of("ConversationClosed", now.CloseReason, now.EndTs));
        return facts;
    }

    /// <summary>
    /// Transfers the simulator performed, as docs/analytics.md defines them: in one new version, an ASSIGNED_AGENT
    /// left and another joined (one row per (left, joined) pair, as the documented query's join gives).
    /// </summary>
    public static IReadOnlyList<(string ConversationId, string FromAgent, string ToAgent, long? At)> Transfers(TrueConversation conversation)
    {
        var versions = conversation.States.Select(TrueState.Read).ToList();
        var transfers = new List<(string, string, string, long?)>();
        for (var i = 1; i < versions.Count; i++)
        {
            var before = versions[i - 1].Participants.Where(p => p.Role == "ASSIGNED_AGENT").ToList();
            var after = versions[i].Participants.Where(p => p.Role == "ASSIGNED_AGENT").ToList();
            foreach (var left in before.Except(after))
            {
                foreach (var joined in after.Except(before))
                    transfers.Add((conversation.ConversationId, left.Id, joined.Id, versions[i].LastUpdateTs));
            }
        }
        return transfers;
    }

    internal static string Describe(IEnumerable<string> lines, int max)
    {
        var list = lines.ToList();
        var text = new StringBuilder();
        foreach (var line in list.Take(max))
            text.Append("\n  ").Append(line);
        if (list.Count > max)
            text.Append(CultureInfo.InvariantCulture, $"\n  … and {list.Count - max} more");
        return text.ToString();
    }
}
