using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Archiver.Domain.Protocol;

public sealed record Participant(string Id, string Role);

public sealed record DialogSnapshot(
    string DialogId, string? DialogType, string? State, string? ChannelType, string? ClosedBy, string? ClosedCause, long? CreationTs, long? EndTs);

public sealed record Ttr(string? TtrType, long? Value);

public sealed record Csat(long? Rate, bool? ResolutionConfirmation, string? Status);

/// <summary>
/// A conversation's metadata as the worker understands it, whatever shape the server used (participants as an array,
/// a role map, or only <c>participantsPId</c>; single elements for arrays). Two notifications of the same state give
/// equal snapshots and the same <see cref="StateKey"/>, which is how a state repeated after a resubscribe is recognised.
/// </summary>
public sealed record ConversationSnapshot(
    string ConversationId,
    string? State,
    string? Stage,
    string? CloseReason,
    long? StartTs,
    long? EndTs,
    long? LastUpdateTs,
    string? SkillId,
    string? BrandId,
    IReadOnlyList<Participant> Participants,
    IReadOnlyList<DialogSnapshot> Dialogs,
    Ttr? Ttr,
    Csat? Csat)
{
    /// <summary>
    /// Values of the state that could not be read as what they should be (a timestamp of 9999999999999999, a CSAT rate
    /// of 4.5, participants that are a number): read as absent, and named here so the projection can record them.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<ArchiveIssue> Problems { get; init; } = [];

    /// <summary>The participants could not be read at all (participants: 42): unknown, which is not the same as nobody.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool ParticipantsUnreadable { get; init; }

    /// <summary>The dialogs could not be read at all (dialogs: "x"): unknown, which is not the same as none.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool DialogsUnreadable { get; init; }

    /// <summary>The consumer's id, when the participants name one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ConsumerId => Participants.FirstOrDefault(p => p.Role == "CONSUMER")?.Id;

    /// <summary>A hash of the normalised state: equal for the same state in any wire shape or key order.</summary>
    public string StateKey(string changeType)
    {
        var canonical = JsonSerializer.Serialize(this with
        {
            Participants = Participants.Distinct().OrderBy(p => p.Role, StringComparer.Ordinal).ThenBy(p => p.Id, StringComparer.Ordinal).ToList(),
            Dialogs = Dialogs.OrderBy(d => d.DialogId, StringComparer.Ordinal).ToList(),
        }, SnapshotJsonContext.Default.ConversationSnapshot);
        return changeType + ":" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    public static ConversationSnapshot Read(string conversationId, JsonElement result)
    {
        var problems = new List<ArchiveIssue>();
        var details = result.Property("conversationDetails");
        var updated = details.Property("metaDataLastUpdateTs");
        return new ConversationSnapshot(
            conversationId,
            Str(details.Property("state"), "state", problems),
            Str(details.Property("stage"), "stage", problems),
            Str(details.Property("closeReason"), "closeReason", problems),
            Timestamp(details.Property("startTs"), "startTs", problems),
            Timestamp(details.Property("endTs"), "endTs", problems) is { } end and > 0 ? end : null,
            updated.IsPresent() ? Timestamp(updated, "metaDataLastUpdateTs", problems) : Timestamp(result.Property("lastUpdateTime"), "lastUpdateTime", problems),
            Str(details.Property("skillId"), "skillId", problems),
            Str(details.Property("brandId"), "brandId", problems),
            ReadParticipants(details, problems),
            // A dialog named twice is one dialog (the first mention wins), as a conversation has each dialog once.
            Shaped(details.Property("dialogs"), "dialogs", problems).ElementOrArray().Select(d => ReadDialog(d, problems)).OfType<DialogSnapshot>()
                .DistinctBy(d => d.DialogId, StringComparer.Ordinal).ToList(),
            ReadTtr(details.Property("ttr"), problems),
            ReadCsat(details.Property("csat"), problems))
        {
            Problems = problems,
            ParticipantsUnreadable = Unreadable(details, "participants") && (Unreadable(details, "participantsPId") || !details.Property("participantsPId").IsPresent()),
            DialogsUnreadable = Unreadable(details, "dialogs"),
        };
    }

    private static bool Unreadable(JsonElement details, string name) =>
        details.Property(name) is var value && value.IsPresent() && value.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object);

    /// <summary>A string value; a lone surrogate in it is replaced (by the read) and named as a problem.</summary>
    private static string? Str(JsonElement value, string name, List<ArchiveIssue> problems)
    {
        var text = value.AsString(out var repaired);
        if (repaired)
            problems.Add(ArchiveIssue.Of(IssueReasons.TextRepaired, $"{name}: a lone UTF-16 surrogate shown as U+FFFD"));
        return text;
    }

    /// <summary>A millisecond timestamp, or null (and a problem) when it is not an integer in the range readers hold.</summary>
    private static long? Timestamp(JsonElement value, string name, List<ArchiveIssue> problems)
    {
        if (!value.IsPresent())
            return null;
        if (value.AsInt64() is { } ms && UnixTime.IsInRange(ms))
            return ms;
        problems.Add(ArchiveIssue.Of(IssueReasons.TimestampOutOfRange, $"{name} {MessagingChange.Shown(value)} is not a time in milliseconds since 1970"));
        return null;
    }

    /// <summary>A list (array or, per the robustness rule, a single object), or nothing (and a problem) when it is neither.</summary>
    private static JsonElement Shaped(JsonElement value, string name, List<ArchiveIssue> problems)
    {
        if (!value.IsPresent() || value.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
            return value;
        problems.Add(ArchiveIssue.Of(IssueReasons.UnexpectedShape, $"{name} is a JSON {value.ValueKind}, not a list"));
        return default;
    }

    /// <summary>Participants in all three shapes (docs/protocol.md §6.1): an array of {id, role}, a role → ids map, or
    /// participantsPId.</summary>
    private static List<Participant> ReadParticipants(JsonElement details, List<ArchiveIssue> problems)
    {
        var participants = new List<Participant>();
        var list = Shaped(details.Property("participants"), "participants", problems);
        if (list.ValueKind is JsonValueKind.Array or JsonValueKind.Object && !IsRoleMap(list))
        {
            foreach (var p in list.ElementOrArray())
            {
                if (Str(p.Property("id"), "id", problems) is { Length: > 0 } id)
                    participants.Add(new Participant(id, Str(p.Property("role"), "role", problems) ?? "UNKNOWN"));
            }
        }
        // The role map's ids are legacy accountId.userId on the agent API; participantsPId has the public ids the
        // consumer API uses everywhere else, so it wins when both are present.
        var map = Shaped(details.Property("participantsPId"), "participantsPId", problems);
        if (map.ValueKind != JsonValueKind.Object && IsRoleMap(list))
            map = list;
        if (map.ValueKind == JsonValueKind.Object && participants.Count == 0)
        {
            foreach (var role in map.EnumerateObject())
            {
                var roleName = role.NameOf(out var repaired);
                if (repaired)
                    problems.Add(ArchiveIssue.Of(IssueReasons.TextRepaired, "participant role: a lone UTF-16 surrogate shown as U+FFFD"));
                foreach (var id in role.Value.ElementOrArray())
                {
                    if (Str(id, "participant id", problems) is { Length: > 0 } value)
                        participants.Add(new Participant(value, roleName));
                }
            }
        }
        return participants.Distinct().ToList();
    }

    private static bool IsRoleMap(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.Property("id").ValueKind == JsonValueKind.Undefined;

    private static DialogSnapshot? ReadDialog(JsonElement dialog, List<ArchiveIssue> problems) =>
        Str(dialog.Property("dialogId"), "dialogId", problems) is { Length: > 0 } id
            ? new DialogSnapshot(
                id,
                Str(dialog.Property("dialogType"), "dialogType", problems),
                Str(dialog.Property("state"), "state", problems),
                Str(dialog.Property("channelType"), "channelType", problems),
                Str(dialog.Property("closedBy"), "closedBy", problems),
                Str(dialog.Property("closedCause"), "closedCause", problems),
                Timestamp(dialog.Property("creationTs"), "dialogs.creationTs", problems),
                Timestamp(dialog.Property("endTs"), "dialogs.endTs", problems) is { } end and > 0 ? end : null)
            : null;

    private static Ttr? ReadTtr(JsonElement ttr, List<ArchiveIssue> problems) =>
        ttr.ValueKind == JsonValueKind.Object ? new Ttr(Str(ttr.Property("ttrType"), "ttrType", problems), Integer(ttr.Property("value"), "ttr.value", long.MinValue, long.MaxValue, problems)) : null;

    private static Csat? ReadCsat(JsonElement csat, List<ArchiveIssue> problems) =>
        csat.ValueKind == JsonValueKind.Object
            ? new Csat(Integer(csat.Property("csatRate"), "csat.csatRate", int.MinValue, int.MaxValue, problems),
                csat.Property("csatResolutionConfirmation").AsBoolean(), Str(csat.Property("status"), "status", problems))
            : null;

    /// <summary>An integer within bounds, or null (and a problem): 4294967301 is not truncated to 5, nor 4.5 to 4.</summary>
    private static long? Integer(JsonElement value, string name, long min, long max, List<ArchiveIssue> problems)
    {
        if (!value.IsPresent())
            return null;
        if (value.AsInt64() is { } integer && integer >= min && integer <= max)
            return integer;
        problems.Add(ArchiveIssue.Of(IssueReasons.NumberInvalid, $"{name} {MessagingChange.Shown(value)} is not an integer between {min} and {max}"));
        return null;
    }
}

/// <summary>One change of a <c>cqm.ExConversationChangeNotification</c>, read tolerantly.</summary>
/// <param name="ChangeType"><c>UPSERT</c>, or <c>DELETE</c> when the conversation left the subscription's filter
/// (docs/protocol.md §14.7).</param>
/// <param name="ConversationId">The <c>result.convId</c> as sent: may be missing or unusable as a key (the mapping decides).</param>
/// <param name="Json">The change exactly as received: the evidence.</param>
public sealed record ConversationChange(string ChangeType, string? ConversationId, ConversationSnapshot Snapshot, string Json)
{
    /// <summary>Reads any element of a notification's <c>changes</c>; never fails.</summary>
    public static ConversationChange Read(JsonElement change)
    {
        var result = change.Property("result");
        var conversationId = result.Property("convId").AsString() ?? result.Property("conversationDetails").Property("convId").AsString();
        // Only DELETE means something different (the conversation left the filter); any other value is an upsert, so
        // that nothing the server writes there can reach the dedupe key.
        var type = string.Equals(change.Property("type").AsString(), "DELETE", StringComparison.OrdinalIgnoreCase) ? "DELETE" : "UPSERT";
        return new ConversationChange(
            type,
            conversationId,
            ConversationSnapshot.Read(conversationId ?? "", result),
            change.GetRawText());
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(ConversationSnapshot))]
internal sealed partial class SnapshotJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
