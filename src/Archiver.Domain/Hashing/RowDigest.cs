using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Archiver.Domain.Hashing;

/// <summary>
/// A chained digest over the rows of a table in id order (the conflicts, the rejections), as a checkpoint states it:
/// d₀ = 32 zero bytes, dᵢ = SHA-256(dᵢ₋₁ ‖ hᵢ) with hᵢ = SHA-256(row), each field of the row length-prefixed and typed
/// so no two different rows share an encoding: 0x00 for null; 0x01 ‖ i64 for an integer; 0x02 ‖ u32 length ‖ UTF-8 for
/// text; 0x03 ‖ u32 length ‖ bytes; 0x04 ‖ i64 microseconds since the epoch for a time. Chaining each row's own hash,
/// rather than its bytes, lets a row removed by a certified lifecycle operation be stood in for by the hash its
/// certificate kept. docs/event-store.md.
/// </summary>
public sealed class RowDigest
{
    private byte[] _digest;

    /// <summary>From the start (no rows), or going on from a digest already taken over <paramref name="rows"/> rows.</summary>
    public RowDigest(byte[]? digest = null, long rows = 0)
    {
        _digest = digest is null ? new byte[EventHash.Size] : (byte[])digest.Clone();
        Rows = rows;
    }

    public long Rows { get; private set; }

    public byte[] Value => (byte[])_digest.Clone();

    public void Add(params object?[] fields) => AddHash(HashOf(fields));

    /// <summary>Goes on with a row known only by its hash (<see cref="HashOf"/>).</summary>
    public void AddHash(ReadOnlySpan<byte> rowHash)
    {
        Span<byte> buffer = stackalloc byte[EventHash.Size * 2];
        _digest.CopyTo(buffer);
        rowHash.CopyTo(buffer[EventHash.Size..]);
        _digest = SHA256.HashData(buffer);
        Rows++;
    }

    /// <summary>hᵢ: the hash of one row's encoding.</summary>
    public static byte[] HashOf(params object?[] fields)
    {
        using var row = new MemoryStream();
        Span<byte> number = stackalloc byte[8];
        Span<byte> length = stackalloc byte[4];
        foreach (var field in fields)
        {
            switch (field)
            {
                case null:
                    row.WriteByte(0x00);
                    break;
                case long or int:
                    row.WriteByte(0x01);
                    BinaryPrimitives.WriteInt64BigEndian(number, Convert.ToInt64(field, System.Globalization.CultureInfo.InvariantCulture));
                    row.Write(number);
                    break;
                case string text:
                    var utf8 = Encoding.UTF8.GetBytes(text);
                    row.WriteByte(0x02);
                    BinaryPrimitives.WriteInt32BigEndian(length, utf8.Length);
                    row.Write(length);
                    row.Write(utf8);
                    break;
                case byte[] bytes:
                    row.WriteByte(0x03);
                    BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
                    row.Write(length);
                    row.Write(bytes);
                    break;
                case DateTimeOffset time:
                    row.WriteByte(0x04);
                    BinaryPrimitives.WriteInt64BigEndian(number, EventHash.ToUnixMicroseconds(time));
                    row.Write(number);
                    break;
                default:
                    throw new ArgumentException($"A row field of type {field.GetType().Name} has no encoding.", nameof(fields));
            }
        }
        return SHA256.HashData(row.ToArray());
    }
}
