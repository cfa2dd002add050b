using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Archiver.Domain.Hashing;

/// <summary>One stream's head as a checkpoint sees it: its highest position and the hash of its last event.</summary>
public sealed record StreamHead(string StreamId, long Position, byte[] Hash);

/// <summary>
/// The Merkle root over every stream's head, as a checkpoint states it (docs/event-store.md): leaves sorted by the
/// stream id's UTF-8 bytes (PostgreSQL's "C" order), leaf = SHA-256(0x00 ‖ u32 length ‖ id ‖ i64 position ‖ head hash),
/// node = SHA-256(0x01 ‖ left ‖ right), an odd last node carried up unchanged; no leaves: 32 zero bytes.
/// </summary>
public static class StreamHeadsRoot
{
    public static byte[] Compute(IEnumerable<StreamHead> heads)
    {
        var level = heads
            .Select(h => (Id: Encoding.UTF8.GetBytes(h.StreamId), h.Position, h.Hash))
            .OrderBy(h => h.Id, ByteOrder.Instance)
            .Select(h => Leaf(h.Id, h.Position, h.Hash))
            .ToList();
        if (level.Count == 0)
            return new byte[EventHash.Size];
        while (level.Count > 1)
        {
            var next = new List<byte[]>((level.Count + 1) / 2);
            for (var i = 0; i < level.Count; i += 2)
                next.Add(i + 1 < level.Count ? Node(level[i], level[i + 1]) : level[i]);
            level = next;
        }
        return level[0];
    }

    private static byte[] Leaf(byte[] id, long position, byte[] hash)
    {
        var buffer = new byte[1 + 4 + id.Length + 8 + hash.Length];
        buffer[0] = 0x00;
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(1), id.Length);
        id.CopyTo(buffer, 5);
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(5 + id.Length), position);
        hash.CopyTo(buffer, 13 + id.Length);
        return SHA256.HashData(buffer);
    }

    private static byte[] Node(byte[] left, byte[] right)
    {
        var buffer = new byte[1 + left.Length + right.Length];
        buffer[0] = 0x01;
        left.CopyTo(buffer, 1);
        right.CopyTo(buffer, 1 + left.Length);
        return SHA256.HashData(buffer);
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static ByteOrder Instance { get; } = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
