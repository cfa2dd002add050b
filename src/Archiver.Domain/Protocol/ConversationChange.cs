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
        var details = result.Property("conversationDetails");
        return new ConversationSnapshot(
            conversationId,
            details.Property("state").AsString(),
            details.Property("stage").AsString(),
            details.Property("closeReason").AsString(),
            details.Property("startTs").AsInt64(),
            details.Property("endTs").AsInt64() is { } end and > 0 ? end : null,
            details.Property("metaDataLastUpdateTs").AsInt64() ?? result.Property("lastUpdateTime").AsInt64(),
            details.Property("skillId").AsString(),
            details.Property("brandId").AsString(),
            ReadParticipants(details),
            details.Property("dialogs").ElementOrArray().Select(ReadDialog).OfType<DialogSnapshot>().ToList(),
            ReadTtr(details.Property("ttr")),
            ReadCsat(details.Property("csat")));
    }

    /// <summary>Participants in all three shapes (§6.1): an array of {id, role}, a role → ids map, or participantsPId.</summary>
    private static List<Participant> ReadParticipants(JsonElement details)
    {
        var participants = new List<Participant>();
        var list = details.Property("participants");
        if (list.ValueKind is JsonValueKind.Array or JsonValueKind.Object && !IsRoleMap(list))
        {
            foreach (var p in list.ElementOrArray())
            {
                if (p.Property("id").AsString() is { Length: > 0 } id)
                    participants.Add(new Participant(id, p.Property("role").AsString() ?? "UNKNOWN"));
            }
        }
        // The role map's ids are legacy accountId.userId on the agent API; participantsPId has the public ids the
        // consumer API uses everywhere else, so it wins when both are present.
        var map = details.Property("participantsPId");
        if (map.ValueKind != JsonValueKind.Object && IsRoleMap(list))
            map = list;
        if (map.ValueKind == JsonValueKind.Object && participants.Count == 0)
        {
            foreach (var role in map.EnumerateObject())
            {
                foreach (var id in role.Value.ElementOrArray())
                {
                    if (id.AsString() is { Length: > 0 } value)
                        participants.Add(new Participant(value, role.Name));
                }
            }
        }
        return participants.Distinct().ToList();
    }

    private static bool IsRoleMap(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && !element.TryGetProperty("id", out _);

    private static DialogSnapshot? ReadDialog(JsonElement dialog) =>
        dialog.Property("dialogId").AsString() is { Length: > 0 } id
            ? new DialogSnapshot(
                id,
                dialog.Property("dialogType").AsString(),
                dialog.Property("state").AsString(),
                dialog.Property("channelType").AsString(),
                dialog.Property("closedBy").AsString(),
                dialog.Property("closedCause").AsString(),
                dialog.Property("creationTs").AsInt64(),
                dialog.Property("endTs").AsInt64() is { } end and > 0 ? end : null)
            : null;

    private static Ttr? ReadTtr(JsonElement ttr) =>
        ttr.ValueKind == JsonValueKind.Object ? new Ttr(ttr.Property("ttrType").AsString(), ttr.Property("value").AsInt64()) : null;

    private static Csat? ReadCsat(JsonElement csat) =>
        csat.ValueKind == JsonValueKind.Object
            ? new Csat(csat.Property("csatRate").AsInt64(), csat.Property("csatResolutionConfirmation").AsBoolean(), csat.Property("status").AsString())
            : null;
}

/// <summary>One change of a <c>cqm.ExConversationChangeNotification</c>.</summary>
/// <param name="ChangeType"><c>UPSERT</c>, or <c>DELETE</c> when the conversation left the subscription's filter (§14.7).</param>
/// <param name="Json">The change exactly as received: the evidence.</param>
public sealed record ConversationChange(string ChangeType, ConversationSnapshot Snapshot, string Json)
{
    public string ConversationId => Snapshot.ConversationId;

    public static ConversationChange? TryRead(JsonElement change, out string? rejection)
    {
        rejection = null;
        var result = change.Property("result");
        var conversationId = result.Property("convId").AsString() ?? result.Property("conversationDetails").Property("convId").AsString();
        if (string.IsNullOrEmpty(conversationId))
        {
            rejection = "a conversation change has no result.convId";
            return null;
        }
        var type = change.Property("type").AsString();
        return new ConversationChange(
            string.IsNullOrEmpty(type) ? "UPSERT" : type.ToUpperInvariant(),
            ConversationSnapshot.Read(conversationId, result),
            change.GetRawText());
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(ConversationSnapshot))]
internal sealed partial class SnapshotJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
