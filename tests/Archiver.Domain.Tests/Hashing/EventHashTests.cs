using Archiver.Domain.Hashing;

namespace Archiver.Domain.Tests.Hashing;

public sealed class EventHashTests
{
    private static readonly DateTimeOffset Recorded = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private static byte[] Hash(
        long global = 1, string stream = "d", long position = 0, string type = "ContentEvent", DateTimeOffset? server = null,
        DateTimeOffset? recorded = null, string? key = null, string body = "{}", byte[]? prev = null) =>
        EventHash.Compute(prev ?? EventHash.Genesis.ToArray(), global, stream, position, type, server, recorded ?? Recorded, key, body);

    [Fact]
    public void The_same_event_always_hashes_the_same()
    {
        Assert.Equal(Hash(), Hash());
        Assert.Equal(EventHash.Size, Hash().Length);
    }

    [Fact]
    public void Every_stored_field_and_the_previous_hash_change_the_hash()
    {
        var baseline = Hash();
        var variants = new[]
        {
            Hash(global: 2), Hash(stream: "e"), Hash(position: 1), Hash(type: "AcceptStatusEvent"),
            Hash(server: Recorded), Hash(recorded: Recorded.AddTicks(10)), Hash(key: "k"), Hash(body: "{ }"),
            Hash(prev: Enumerable.Repeat((byte)1, 32).ToArray()),
        };

        Assert.All(variants, v => Assert.NotEqual(baseline, v));
        Assert.Equal(variants.Length, variants.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void Field_boundaries_cannot_be_shifted_to_forge_a_collision()
    {
        Assert.NotEqual(Hash(stream: "ab", type: "c"), Hash(stream: "a", type: "bc"));
        Assert.NotEqual(Hash(key: null), Hash(key: ""));
    }

    [Fact]
    public void Timestamps_enter_at_the_microsecond_postgres_keeps()
    {
        var withTicks = Recorded.AddTicks(7);

        Assert.Equal(Recorded, EventHash.TruncateToMicroseconds(withTicks));
        Assert.Equal(Hash(recorded: EventHash.TruncateToMicroseconds(withTicks)), Hash(recorded: Recorded));
    }
}
