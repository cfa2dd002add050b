using System.Security.Cryptography;
using System.Text;
using Archiver.Domain.Hashing;

namespace Archiver.Domain.Tests.Hashing;

/// <summary>The conflicts' and rejections' digest as docs/event-store.md defines it, recomputed here from the definition.</summary>
public sealed class RowDigestTests
{
    [Fact]
    public void The_digest_chains_each_rows_hash_as_documented()
    {
        var at = new DateTimeOffset(2024, 5, 1, 9, 0, 0, TimeSpan.Zero).AddTicks(12_340); // 1,234 µs past the second
        var digest = new RowDigest();
        digest.Add(1L, "dialog", null, new byte[] { 0xff, 0x00 }, at);
        digest.Add(2L, "é", 7);

        byte[] Row(params byte[][] parts) => SHA256.HashData(parts.SelectMany(p => p).ToArray());
        static byte[] I64(long v) => [.. BitConverter.GetBytes(v).Reverse()];
        static byte[] U32(int v) => [.. BitConverter.GetBytes(v).Reverse()];
        var first = Row([0x01], I64(1), [0x02], U32(6), Encoding.UTF8.GetBytes("dialog"), [0x00], [0x03], U32(2), [0xff, 0x00],
            [0x04], I64(at.ToUnixTimeSeconds() * 1_000_000 + 1_234));
        var second = Row([0x01], I64(2), [0x02], U32(2), Encoding.UTF8.GetBytes("é"), [0x01], I64(7));
        var d1 = SHA256.HashData([.. new byte[32], .. first]);
        var d2 = SHA256.HashData([.. d1, .. second]);

        Assert.Equal(d2, digest.Value);
        Assert.Equal(2, digest.Rows);
    }

    [Fact]
    public void A_row_known_only_by_its_hash_continues_the_same_digest_and_going_on_from_a_taken_digest_is_the_same()
    {
        var whole = new RowDigest();
        whole.Add(1L, "a");
        whole.Add(2L, "b");
        whole.Add(3L, "c");

        var stoodIn = new RowDigest();
        stoodIn.Add(1L, "a");
        stoodIn.AddHash(RowDigest.HashOf(2L, "b"));
        var resumed = new RowDigest(stoodIn.Value, stoodIn.Rows);
        resumed.Add(3L, "c");

        Assert.Equal(whole.Value, resumed.Value);
        Assert.Equal(3, resumed.Rows);
        var changed = new RowDigest();
        changed.Add(1L, "a");
        changed.Add(2L, "B");
        changed.Add(3L, "c");
        Assert.NotEqual(whole.Value, changed.Value);
    }
}
