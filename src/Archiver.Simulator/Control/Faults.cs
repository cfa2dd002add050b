using System.Text.Json;
using Archiver.Domain.Protocol;
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
        var sockets = ControlEndpoints.Sockets(world, consumerId);
        stats.Count($"fault.{kind}");
        switch (kind)
        {
            case "status":
            {
                var target = request.Property("target").AsString() ?? "ws";
                board.Owe(target, (int)(request.Property("code").AsInt64() ?? 429), count);
                return target == "ws" ? Math.Max(1, sockets.Count) : 1;
            }
            case "drop":
                sockets.ForEach(s => s.Drop());
                break;
            case "close4401":
                sockets.ForEach(s => s.Close(4401, "token expired"));
                break;
            case "close4407":
                sockets.ForEach(s => s.Close(4407, "identity must be extended"));
                break;
            case "close":
                sockets.ForEach(s => s.Close((int)(request.Property("code").AsInt64() ?? 1011), "closed by fault"));
                break;
            case "duplicate":
                sockets.ForEach(s => s.Duplicate(count));
                break;
            case "reorder":
                foreach (var s in sockets)
                {
                    s.Reorder(count);
                    board.OweStaleState(s.Consumer.Id);
                }
                break;
            case "delay":
                sockets.ForEach(s => s.Delay(duration));
                break;
            case "malformed":
                sockets.ForEach(s => s.Malformed());
                break;
            case "oversized":
                sockets.ForEach(s => s.Oversized((int)(request.Property("bytes").AsInt64() ?? 17 * 1024 * 1024)));
                break;
            case "silence":
                sockets.ForEach(s => s.Silence(duration));
                break;
            default:
                throw new WorldException(400, $"unknown fault kind {kind}");
        }
        return sockets.Count;
    }
}
