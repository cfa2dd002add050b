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
        await using var writer = new Utf8JsonWriter(http.Response.Body, new JsonWriterOptions { SkipValidation = true });
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
        writer.WriteEndObject();
    }
}
