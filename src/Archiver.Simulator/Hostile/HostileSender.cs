using System.Text;
using Archiver.Simulator.World;

namespace Archiver.Simulator.Hostile;

/// <summary>What <c>POST /control/conversations/{id}/hostile</c> answers (null where not applicable).</summary>
public sealed record HostileAnswer(string Case, string Kind, bool InBand, string? DialogId, long? Sequence);

/// <summary>
/// Sends a hostile case, or a raw frame, to every socket of a consumer and records it in the ground truth. Everything
/// happens under the world's lock, so the record's order is the wire's and no live change slips in between.
/// </summary>
internal static class HostileSender
{
    public static HostileAnswer Send(SimulatorWorld world, string conversationId, string name)
    {
        var hostile = HostileCatalogue.Find(name)
            ?? throw new WorldException(400, $"unknown hostile case '{name}' (GET /control/hostile-cases lists them)");
        lock (world.Gate)
        {
            var c = world.Find(conversationId, null);
            var agent = c.Participants.FirstOrDefault(p => p.Role == "ASSIGNED_AGENT")?.Id ?? world.AgentId("Alice Martin");
            var scene = new HostileScene(c.Id, c.Main.DialogId, c.ConsumerId, agent, world.Timestamp());
            var sockets = Ums.UmsEndpoint.Sockets(world, c.ConsumerId);
            switch (hostile)
            {
                case InBandChangeCase inBand:
                {
                    // Exactly like /publish from the assigned agent: filed, in the ground truth, re-delivered with fromSeq.
                    var published = world.PublishChange(c.Id, null, agent, "ASSIGNED_AGENT", inBand.Event(scene), null,
                        changeFields: inBand.ChangeFields, trusted: false);
                    world.RecordHostile(new HostileRecord(name, false, hostile.Kind, c.ConsumerId, c.Id, published.DialogId, published.Sequence, true,
                        published.Json, null, sockets.Count));
                    return new HostileAnswer(name, hostile.Kind, true, published.DialogId, published.Sequence);
                }
                case OutOfBandChangeCase outOfBand:
                {
                    var change = outOfBand.Change(scene);
                    var frame = "{\"kind\":\"notification\",\"body\":{\"changes\":[" + change.Json + "]},\"type\":\"ms.MessagingEventNotification\"}";
                    sockets.ForEach(s => s.SendHostileText(frame));
                    world.RecordHostile(new HostileRecord(name, false, hostile.Kind, c.ConsumerId, c.Id, change.DialogId, null, false, change.Json, null, sockets.Count));
                    return new HostileAnswer(name, hostile.Kind, false, change.DialogId, null);
                }
                case StateCase state:
                {
                    var change = "{\"type\":\"UPSERT\",\"result\":" + state.Patch(scene, c.StateVersions[^1]) + "}";
                    sockets.ForEach(s => s.SendHostileState(change));
                    world.RecordHostile(new HostileRecord(name, false, hostile.Kind, c.ConsumerId, c.Id, null, null, false, change, null, sockets.Count));
                    return new HostileAnswer(name, hostile.Kind, false, null, null);
                }
                case FrameCase frameCase:
                {
                    var frame = frameCase.Frame(scene);
                    Send(sockets, frame);
                    world.RecordHostile(new HostileRecord(name, false, hostile.Kind, c.ConsumerId, c.Id, null, null, false,
                        frame.Binary ? null : frame.Text, frame.Binary ? Convert.ToBase64String(frame.Payload) : null, sockets.Count));
                    return new HostileAnswer(name, hostile.Kind, false, null, null);
                }
                default:
                    throw new InvalidOperationException($"hostile case {name} has no sender");
            }
        }
    }

    /// <summary>
    /// <c>POST /control/consumers/{id}/frames</c>: one raw frame to every socket of the consumer. Text given as characters
    /// is recorded as text; bytes given in base64 are recorded as base64 (and as text too when they are valid UTF-8).
    /// </summary>
    public static int SendRaw(SimulatorWorld world, string consumerId, HostileFrame frame, bool givenAsBytes)
    {
        lock (world.Gate)
        {
            if (world.FindConsumer(consumerId) is null)
                throw new WorldException(404, "Unknown consumer");
            var sockets = Ums.UmsEndpoint.Sockets(world, consumerId);
            Send(sockets, frame);
            var text = frame.Binary ? null : frame.Text ?? StrictUtf8(frame.Payload);
            world.RecordHostile(new HostileRecord(null, true, "frame", consumerId, null, null, null, false, text,
                givenAsBytes ? Convert.ToBase64String(frame.Payload) : null, sockets.Count));
            return sockets.Count;
        }
    }

    private static void Send(List<Ums.ConsumerSocket> sockets, HostileFrame frame)
    {
        foreach (var socket in sockets)
        {
            if (frame.Text is not null && !frame.Binary)
                socket.SendHostileText(frame.Text);
            else
                socket.SendHostileBytes(frame.Payload, frame.Binary);
        }
    }

    private static string? StrictUtf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
