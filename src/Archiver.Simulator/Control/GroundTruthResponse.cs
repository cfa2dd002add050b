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
            lock (world.Gate)
            {
                states = conversation.StateVersions.ToList();
                dialogs = conversation.Dialogs.Select(d => (d.DialogId, d.DialogType, d.Events.Select(e => e.Json).ToList(), d.ChatStates.ToList())).ToList();
            }
            writer.WriteStartObject();
            writer.WriteString("conversationId", conversation.Id);
            writer.WriteString("consumerId", conversation.ConsumerId);
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
