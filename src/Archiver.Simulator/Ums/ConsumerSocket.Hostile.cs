namespace Archiver.Simulator.Ums;

/// <summary>Hostile frames (docs/simulator.md, "Hostile content"): queued like any other frame, so faults act on them too. Called under the world's lock.</summary>
public sealed partial class ConsumerSocket
{
    /// <summary>A text frame with exactly these characters (UTF-8 encoded).</summary>
    internal void SendHostileText(string text) => Enqueue(new OutFrame(text, null));

    /// <summary>A frame with exactly these bytes: binary, or text whose bytes the caller chose (valid UTF-8 or not).</summary>
    internal void SendHostileBytes(byte[] payload, bool binary) => Enqueue(new OutFrame(null, null, Bytes: payload, Binary: binary));

    /// <summary>One cqm notification carrying <paramref name="changeJson"/> per conversation subscription of this socket; how many were queued.</summary>
    internal int SendHostileState(string changeJson)
    {
        foreach (var id in _subscriptions.Keys)
            Enqueue(new OutFrame("{\"kind\":\"notification\",\"body\":{\"subscriptionId\":" + Envelopes.Quote(id) + ",\"changes\":[" + changeJson
                + "]},\"type\":\"cqm.ExConversationChangeNotification\"}", null));
        return _subscriptions.Count;
    }
}
