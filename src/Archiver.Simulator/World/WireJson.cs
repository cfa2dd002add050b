using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Archiver.Simulator.World;

/// <summary>
/// Serialises changes and conversation states ONCE, when they happen; every (re)delivery sends these exact bytes
/// (the determinism rule in docs/simulator.md). Quirks that belong to content are chosen here, by the seeded RNG.
/// </summary>
internal static class WireJson
{
    /// <param name="fields">Raw JSON replacing the named fields of the change (or added after them when the change has no such field).</param>
    /// <param name="trusted">false: the event and the field values are written as given, unchecked (hostile content is neither well-formed nor shallow).</param>
    public static string MessagingChange(long? sequence, string originatorId, string role, long? serverTs, string eventJson,
        string conversationId, string dialogId, string? metadataJson, Random random, bool quirks,
        IReadOnlyDictionary<string, string>? fields = null, bool trusted = true)
    {
        return Write(w =>
        {
            bool Replaced(string name)
            {
                if (fields is null || !fields.TryGetValue(name, out var raw))
                    return false;
                w.WritePropertyName(name);
                w.WriteRawValue(raw, skipInputValidation: !trusted);
                return true;
            }

            if (!Replaced("sequence") && sequence is { } seq)
                w.WriteNumber("sequence", seq);
            if (!Replaced("originatorId"))
                w.WriteString("originatorId", originatorId);
            if (!Replaced("originatorMetadata"))
            {
                w.WriteStartObject("originatorMetadata");
                w.WriteString("id", originatorId);
                w.WriteString("role", role);
                w.WriteEndObject();
            }
            if (!Replaced("serverTimestamp") && serverTs is { } ts)
                w.WriteNumber("serverTimestamp", ts);
            w.WritePropertyName("event");
            w.WriteRawValue(eventJson, skipInputValidation: !trusted);
            if (!Replaced("conversationId"))
                w.WriteString("conversationId", conversationId);
            if (!Replaced("dialogId"))
                w.WriteString("dialogId", dialogId);
            if (!Replaced("metadata"))
            {
                w.WritePropertyName("metadata");
                if (metadataJson is null)
                    w.WriteNullValue();
                else
                    w.WriteRawValue(metadataJson);
            }
            foreach (var (name, _) in fields ?? new Dictionary<string, string>())
            {
                if (name is not ("sequence" or "originatorId" or "originatorMetadata" or "serverTimestamp" or "conversationId" or "dialogId" or "metadata"))
                    Replaced(name);
            }
            if (quirks && random.Next(4) == 0)
                w.WriteString("messageAudience", "ALL"); // documented, not in the consumer schema
            if (quirks && random.Next(5) == 0)
            {
                w.WriteStartObject("simUnknownField"); // docs/protocol.md §3: clients must ignore fields they do not know
                w.WriteNumber("revision", random.Next(100));
                w.WriteEndObject();
            }
        });
    }

    public static string ConversationState(SimConversation c, string brandId, Random random, bool quirks)
    {
        // docs/protocol.md §6.1: participants come as an array, as a role map, or only as participantsPId.
        var shape = quirks ? random.Next(3) : 0;
        return Write(w =>
        {
            w.WriteString("convId", c.Id);
            w.WriteNumber("effectiveTTR", -1);
            w.WriteStartObject("conversationDetails");
            w.WriteString("skillId", c.SkillId);
            if (shape == 0)
            {
                w.WriteStartArray("participants");
                foreach (var p in c.Participants)
                {
                    w.WriteStartObject();
                    w.WriteString("id", p.Id);
                    w.WriteString("role", p.Role);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            else
            {
                w.WriteStartObject(shape == 1 ? "participants" : "participantsPId");
                foreach (var role in c.Participants.GroupBy(p => p.Role))
                {
                    w.WriteStartArray(role.Key);
                    foreach (var p in role)
                        w.WriteStringValue(p.Id);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteStartArray("dialogs");
            foreach (var d in c.Dialogs)
            {
                w.WriteStartObject();
                w.WriteString("dialogId", d.DialogId);
                w.WriteStartArray("participantsDetails");
                foreach (var p in d.Participants)
                {
                    w.WriteStartObject();
                    w.WriteString("id", p.Id);
                    w.WriteString("role", p.Role);
                    w.WriteString("state", "ACTIVE");
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteString("dialogType", d.DialogType);
                w.WriteString("channelType", "MESSAGING");
                w.WriteStartObject("metaData");
                w.WriteEndObject();
                w.WriteString("state", d.State);
                w.WriteNumber("creationTs", d.CreationTs);
                if (d.EndTs is { } end)
                    w.WriteNumber("endTs", end);
                w.WriteNumber("metaDataLastUpdateTs", c.LastUpdateTs);
                if (d.ClosedBy is not null)
                    w.WriteString("closedBy", d.ClosedBy);
                if (d.ClosedCause is not null)
                    w.WriteString("closedCause", d.ClosedCause);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("brandId", brandId);
            w.WriteString("state", c.State);
            w.WriteString("stage", c.Stage);
            if (c.CloseReason is not null)
                w.WriteString("closeReason", c.CloseReason);
            w.WriteNumber("startTs", c.StartTs);
            w.WriteNumber("endTs", c.EndTs ?? 0);
            w.WriteNumber("metaDataLastUpdateTs", c.LastUpdateTs);
            w.WriteBoolean("firstConversation", c.FirstConversation);
            w.WriteStartObject("ttr");
            w.WriteString("ttrType", c.Ttr.Type);
            w.WriteNumber("value", c.Ttr.Value);
            w.WriteEndObject();
            if (c.Csat is { } csat)
            {
                w.WriteStartObject("csat");
                w.WriteNumber("csatRate", csat.Rate);
                w.WriteBoolean("csatResolutionConfirmation", csat.Resolution);
                w.WriteString("status", csat.Status);
                w.WriteEndObject();
            }
            if (quirks && random.Next(4) == 0)
                w.WriteString("simUnknownDetail", "ignore me");
            w.WriteEndObject();
            if (c.LastContentEvent is not null)
            {
                w.WritePropertyName("lastContentEventNotification");
                w.WriteRawValue(c.LastContentEvent);
            }
            w.WriteStartObject("numberOfunreadMessages");
            w.WriteEndObject();
        });
    }

    // One buffer and writer per thread, reused: a fresh 512-byte buffer per change grew to the writer's 4 KiB minimum
    // every time, and allocating and zeroing those dominated load mode's emission (bench/run simulator).
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static string Write(Action<Utf8JsonWriter> properties)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        buffer.ResetWrittenCount();
        var w = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.Reset(buffer);
        w.WriteStartObject();
        properties(w);
        w.WriteEndObject();
        w.Flush();
        var json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (buffer.Capacity > 1024 * 1024)
        {
            // An unusually large state: do not keep its buffer alive on this thread.
            t_buffer = null;
            t_writer = null;
        }
        return json;
    }

    /// <summary>A JSON string literal of <paramref name="value"/>, quotes included.</summary>
    public static string Quote(string value) => JsonSerializer.Serialize(value);
}
