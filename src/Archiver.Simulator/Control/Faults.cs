using System.Text.Json;
using Archiver.Domain.Protocol;
using Archiver.Simulator.Faults;
using Archiver.Simulator.Ums;
using Archiver.Simulator.World;

namespace Archiver.Simulator.Control;

/// <summary><c>POST /control/faults</c>: applies one fault to the sockets of a consumer (default: every connected one).</summary>
internal static class Faults
{
    public static int Apply(JsonElement request, SimulatorWorld world, FaultBoard board, SimulatorStats stats)
    {
        var kind = request.Property("kind").AsString() ?? throw new WorldException(400, "kind is required");
        var consumerId = request.Property("consumerId").AsString();
        var count = (int)(request.Property("count").AsInt64() ?? 5);
        var duration = TimeSpan.FromMilliseconds(request.Property("durationMs").AsInt64() ?? 5000);
        var sockets = UmsEndpoint.Sockets(world, consumerId);

        // One row of the fault record per affected socket, taken just before the fault is applied to it.
        FaultRecord Row(ConsumerSocket socket) => board.Record(kind, socket.Consumer.Id, world.Emitted(socket.Consumer.Id));
        void Each(Action<ConsumerSocket, FaultRecord> apply) => sockets.ForEach(s => apply(s, Row(s)));

        switch (kind)
        {
            case "status":
            {
                stats.Count($"fault.{kind}");
                var target = request.Property("target").AsString() ?? "ws";
                // Owed to a target, not to a socket: one row. A ws status may be owed to one consumer's sockets; idp and csds serve no consumer.
                var owner = target == "ws" ? consumerId : null;
                var row = board.Record(kind, owner, world.Emitted(owner));
                board.Owe(target, (int)(request.Property("code").AsInt64() ?? 429), count, row, owner);
                return target == "ws" ? Math.Max(1, sockets.Count) : 1;
            }
            case "drop":
                Each((s, row) => s.Drop(row));
                break;
            case "close4401":
                Each((s, row) => _ = s.CloseAsync(4401, "token expired", row));
                break;
            case "close4407":
                Each((s, row) => _ = s.CloseAsync(4407, "identity must be extended", row));
                break;
            case "close":
            {
                var code = (int)(request.Property("code").AsInt64() ?? 1011);
                Each((s, row) => _ = s.CloseAsync(code, "closed by fault", row));
                break;
            }
            case "duplicate":
                Each((s, row) => s.Duplicate(count, row));
                break;
            case "reorder":
                Each((s, row) =>
                {
                    s.Reorder(count, row);
                    board.OweStaleState(s.Consumer.Id, row);
                });
                break;
            case "delay":
                Each((s, row) => s.Delay(duration, row));
                break;
            case "malformed":
                Each((s, row) => s.Malformed(row));
                break;
            case "oversized":
            {
                var bytes = (int)(request.Property("bytes").AsInt64() ?? 17 * 1024 * 1024);
                Each((s, row) => s.Oversized(bytes, row));
                break;
            }
            case "silence":
                Each((s, row) => s.Silence(duration, row));
                break;
            default:
                throw new WorldException(400, $"unknown fault kind {kind}");
        }
        stats.Count($"fault.{kind}");
        return sockets.Count;
    }
}
