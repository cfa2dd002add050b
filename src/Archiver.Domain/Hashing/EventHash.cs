using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Archiver.Domain.Hashing;

/// <summary>
/// The per-stream hash chain: <c>hash = SHA-256(prev_hash ‖ canonical(event))</c>. The canonical form is a
/// length-prefixed binary encoding of every stored field, so no two different events share an encoding and
/// verification never depends on re-serialising JSON: the body enters as the exact bytes received.
/// </summary>
public static class EventHash
{
    public const int Size = 32;

    /// <summary>The hash a stream's first event chains from.</summary>
    public static ReadOnlyMemory<byte> Genesis { get; } = new byte[Size];

    private static ReadOnlySpan<byte> FormatTag => "archiver.event.v1"u8;

    public static byte[] Compute(
        ReadOnlySpan<byte> prevHash,
        long globalPosition,
        string streamId,
        long position,
        string type,
        DateTimeOffset? serverTimestamp,
        DateTimeOffset recordedAt,
        string? dedupeKey,
        string body)
    {
        if (prevHash.Length != Size)
            throw new ArgumentException($"A previous hash has {Size} bytes, not {prevHash.Length}.", nameof(prevHash));

        var length = FormatTag.Length + Size + 8 + 8 + 9 + 8 + 1
            + StringLength(streamId) + StringLength(type) + StringLength(dedupeKey ?? string.Empty) + StringLength(body);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var buffer = rented.AsSpan(0, length);
            var offset = 0;
            Put(buffer, ref offset, FormatTag);
            Put(buffer, ref offset, prevHash);
            PutInt64(buffer, ref offset, globalPosition);
            PutString(buffer, ref offset, streamId);
            PutInt64(buffer, ref offset, position);
            PutString(buffer, ref offset, type);
            buffer[offset++] = serverTimestamp.HasValue ? (byte)1 : (byte)0;
            PutInt64(buffer, ref offset, serverTimestamp.HasValue ? ToUnixMicroseconds(serverTimestamp.Value) : 0);
            PutInt64(buffer, ref offset, ToUnixMicroseconds(recordedAt));
            buffer[offset++] = dedupeKey is null ? (byte)0 : (byte)1;
            PutString(buffer, ref offset, dedupeKey ?? string.Empty);
            PutString(buffer, ref offset, body);
            return SHA256.HashData(buffer[..offset]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>PostgreSQL keeps timestamps to the microsecond; the hash covers exactly what is stored.</summary>
    public static long ToUnixMicroseconds(DateTimeOffset value) =>
        (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (TimeSpan.TicksPerMillisecond / 1000);

    /// <summary>Drops the sub-microsecond part a .NET clock has and PostgreSQL would not keep.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);

    private static int StringLength(string value) => 4 + Encoding.UTF8.GetByteCount(value);

    private static void Put(Span<byte> buffer, ref int offset, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(buffer[offset..]);
        offset += bytes.Length;
    }

    private static void PutInt64(Span<byte> buffer, ref int offset, long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(buffer[offset..], value);
        offset += 8;
    }

    private static void PutString(Span<byte> buffer, ref int offset, string value)
    {
        var written = Encoding.UTF8.GetBytes(value, buffer[(offset + 4)..]);
        BinaryPrimitives.WriteInt32BigEndian(buffer[offset..], written);
        offset += 4 + written;
    }
}
