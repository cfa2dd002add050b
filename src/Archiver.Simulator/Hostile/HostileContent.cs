using System.Text;

namespace Archiver.Simulator.Hostile;

/// <summary>The larger pieces of hostile content, generated the same way every time (no seed, no clock).</summary>
internal static class HostileContent
{
    private static readonly string[] Syllables =
    [
        "ka", "lo", "mi", "ne", "su", "ta", "vo", "ri", "pe", "du", "gra", "shi", "ble", "tor", "quen", "mar", "vis", "zel", "dro", "fin",
        "bar", "cel", "dor", "fex", "gul", "hap", "jin", "kor", "lum", "nix", "olt", "pim", "rud", "sab", "tix", "umb", "vex", "wol", "yar", "zon",
    ];

    private static readonly Lazy<string> Huge = new(BuildHugeText);

    /// <summary>
    /// About 1.5 MB of ASCII words, nearly all different: more distinct lexemes than a PostgreSQL tsvector can hold (1 MB),
    /// so a search vector computed from it fails — and the message must still be archived.
    /// </summary>
    public static string HugeText => Huge.Value;

    private static string BuildHugeText()
    {
        var text = new StringBuilder(1_510_000).Append("huge text:");
        var state = 0x9E3779B9u; // xorshift32: the same words on every run and every runtime
        uint Next()
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            return state;
        }
        var words = 0;
        while (text.Length < 1_500_000)
        {
            text.Append(' ');
            var syllables = 3 + (int)(Next() % 3);
            for (var s = 0; s < syllables; s++)
                text.Append(Syllables[Next() % (uint)Syllables.Length]);
            if (++words % 17 == 0)
                text.Append(Next() % 2 == 0 ? '.' : ',');
        }
        return text.ToString();
    }

    /// <summary>A RichContentEvent whose JSON is exactly <paramref name="depth"/> levels deep (each vertical layout is an object and an array).</summary>
    public static string DeepRichContent(int depth)
    {
        // event (1) + layouts × (object + elements array) + the innermost text element (1) = depth
        var layouts = (depth - 2) / 2;
        var json = new StringBuilder("{\"type\":\"RichContentEvent\",\"content\":");
        for (var i = 0; i < layouts; i++)
            json.Append("{\"type\":\"vertical\",\"elements\":[");
        if (depth % 2 == 1)
            json.Append('['); // an odd depth: one more array around the innermost element
        json.Append("{\"type\":\"text\",\"text\":\"").Append(depth).Append(" levels down\"}");
        if (depth % 2 == 1)
            json.Append(']');
        for (var i = 0; i < layouts; i++)
            json.Append("]}");
        return json.Append('}').ToString();
    }

    /// <summary>A messaging notification exactly <paramref name="depth"/> levels deep: its <c>changes</c> are arrays in arrays, no change at all.</summary>
    public static string TooDeepNotification(int depth)
    {
        // the frame (1), body (2), changes (3), nested arrays, and an innermost object at depth
        var arrays = depth - 4;
        var json = new StringBuilder("{\"kind\":\"notification\",\"body\":{\"changes\":[");
        json.Append('[', arrays);
        json.Append("{\"depth\":").Append(depth).Append('}');
        json.Append(']', arrays);
        return json.Append("]},\"type\":\"ms.MessagingEventNotification\"}").ToString();
    }
}
