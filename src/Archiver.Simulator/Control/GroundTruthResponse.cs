using System.Text.Json;
using Archiver.Simulator.World;
using Microsoft.AspNetCore.Http;

namespace Archiver.Simulator.Control;

/// <summary>
/// <c>GET /control/ground-truth</c>: everything emitted, per conversation — each state version's <c>result</c> and each
/// dialog's sequenced changes and chat states, embedded as the exact JSON that went on the wire.
/// </summary>
internal static class GroundTruthResponse
{
    public static async Task WriteAsync(HttpContext http, SimulatorWorld world, string? consumerId)
    {
        http.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(http.Response.Body, new JsonWriterOptions
        {
            SkipValidation = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // hostile texts stay readable (no \u003C for '<')
        });
        writer.WriteStartObject();
        writer.WriteString("account", world.Account);
        writer.WriteStartArray("conversations");
        foreach (var conversation in world.Conversations(consumerId))
        {
            List<string> states;
            List<(string Id, string Type, List<string> Events, List<string> ChatStates)> dialogs;
            string skillId;
            long? endTs;
            ScenarioFacts? facts;
            lock (world.Gate)
            {
                states = conversation.StateVersions.ToList();
                dialogs = conversation.Dialogs.Select(d => (d.DialogId, d.DialogType, d.Events.Select(e => e.Json).ToList(), d.ChatStates.ToList())).ToList();
                (skillId, endTs, facts) = (conversation.SkillId, conversation.EndTs, conversation.Facts);
            }
            writer.WriteStartObject();
            writer.WriteString("conversationId", conversation.Id);
            writer.WriteString("consumerId", conversation.ConsumerId);
            writer.WriteString("skillId", skillId);
            writer.WriteNumber("startTs", conversation.StartTs);
            if (endTs is { } end)
                writer.WriteNumber("endTs", end);
            else
                writer.WriteNull("endTs");
            if (facts is not null)
                WriteFacts(writer, facts);
            writer.WriteStartArray("states");
            states.ForEach(s => writer.WriteRawValue(s, skipInputValidation: true));
            writer.WriteEndArray();
            writer.WriteStartArray("dialogs");
            foreach (var (id, type, events, chatStates) in dialogs)
            {
                writer.WriteStartObject();
                writer.WriteString("dialogId", id);
                writer.WriteString("dialogType", type);
                writer.WriteStartArray("events");
                events.ForEach(e => writer.WriteRawValue(e, skipInputValidation: true));
                writer.WriteEndArray();
                writer.WriteStartArray("chatStates");
                chatStates.ForEach(e => writer.WriteRawValue(e, skipInputValidation: true));
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
            await writer.FlushAsync();
        }
        writer.WriteEndArray();
        WriteHostile(writer, world, consumerId);
        writer.WriteEndObject();
    }

    /// <summary>What a scripted scenario knows about the conversation (the year's personal data, message by message).</summary>
    private static void WriteFacts(Utf8JsonWriter writer, ScenarioFacts facts)
    {
        writer.WriteStartObject("scenario");
        writer.WriteString("kind", facts.Kind);
        writer.WriteNumber("index", facts.Index);
        writer.WriteString("skillName", facts.SkillName);
        writer.WriteString("ending", facts.Ending);
        writer.WriteBoolean("transferred", facts.Transferred);
        writer.WriteStartArray("messages");
        foreach (var message in facts.Messages)
        {
            writer.WriteStartObject();
            writer.WriteString("dialogId", message.DialogId);
            writer.WriteNumber("sequence", message.Sequence);
            writer.WriteString("role", message.Role);
            writer.WriteString("eventType", message.EventType);
            WriteMentions(writer, "pii", message.Pii);
            WriteMentions(writer, "lookAlikes", message.LookAlikes);
            writer.WriteBoolean("deletionMarker", message.DeletionMarker);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteMentions(Utf8JsonWriter writer, string name, IReadOnlyList<DataMention> mentions)
    {
        writer.WriteStartArray(name);
        foreach (var mention in mentions)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", mention.Kind);
            writer.WriteString("value", mention.Value);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>
    /// Every hostile case and raw frame sent, in order. <c>text</c> is a JSON string holding the exact characters sent
    /// (a change, a state change, or a whole frame — which need not be JSON at all); <c>base64</c> the exact bytes when
    /// they were given as bytes.
    /// </summary>
    private static void WriteHostile(Utf8JsonWriter writer, SimulatorWorld world, string? consumerId)
    {
        writer.WriteStartArray("hostile");
        foreach (var h in world.HostileRecords().Where(h => consumerId is null || h.ConsumerId == consumerId))
        {
            writer.WriteStartObject();
            writer.WriteString("case", h.Case);
            writer.WriteBoolean("raw", h.Raw);
            writer.WriteString("kind", h.Kind);
            writer.WriteString("consumerId", h.ConsumerId);
            writer.WriteString("conversationId", h.ConversationId);
            writer.WriteString("dialogId", h.DialogId);
            if (h.Sequence is { } sequence)
                writer.WriteNumber("sequence", sequence);
            else
                writer.WriteNull("sequence");
            writer.WriteBoolean("inBand", h.InBand);
            writer.WriteString("text", h.Text);
            writer.WriteString("base64", h.Base64);
            writer.WriteNumber("sockets", h.Sockets);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
