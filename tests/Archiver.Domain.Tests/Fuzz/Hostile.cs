using System.Text;

namespace Archiver.Domain.Tests.Fuzz;

/// <summary>What a hostile or broken server could put in a change: raw JSON tokens, keys and values per field.</summary>
internal static class Hostile
{
    /// <summary>String tokens: escaped NUL, lone surrogates as escapes, emoji, bidi overrides, ESC sequences, stream-like ids.</summary>
    public static IReadOnlyList<string> Strings { get; } = Trimmed(
    [
        """ "" """, """ "x" """, """ " " """, """ "\u0000" """, """ "a\u0000b" """, """ "Hello\u0000" """,
        """ "\ud83d" """, """ "\udc00" """, """ "Hello \ud83d" """, """ "\ud83dHello" """, """ "\ud83d\ude00" """, """ "\ude00\ud83d" """,
        """ "\uDBFF\uDFFF" """, """ "\uD800\u0000" """, """ "\ud83d\ud83d\ud83d\ud83d" """,
        """ "😀 emoji 👩‍👩‍👧 🇫🇷 e\u0301" """, "\"\u202Eevil\u202C and \u2066isolated\u2069\"", """ "\u202e\u2066\u200f" """,
        """ "\u001b[31mred\u001b[0m" """, """ "\u001b]0;title\u0007" """, """ "\\u0000 is not NUL" """, """ "\\ud83d is no surrogate" """,
        """ "tab\there\nline\r\f\b" """, """ "\"quoted\" \\ back\/slash" """, """ "\uFFFE\uFFFF\uFEFF" """, """ "é café ﷽ 中文" """,
        """ "conversation:x" """, """ "chatstate:x" """, """ "unrecognised:fuzz" """, """ "agent:x" """, """ "x:y" """,
        """ "ContentEvent" """, """ "RichContentEvent" """, """ "AcceptStatusEvent" """, """ "ChatStateEvent" """, """ "CsatSubmitted" """,
        """ "Answer" """, """ "ACCEPT" """, """ "READ" """, """ "CLOSE" """, """ "OPEN" """, """ "DELETE" """, """ "CONSUMER" """,
        """ "ASSIGNED_AGENT" """, """ "123" """, """ "-5" """, """ "1.9" """, """ "9999999999999999" """, """ "true" """, """ "null" """,
        """ "\u0041\u0042" """, """ "<script>alert(1)</script>" """, """ "'; DROP TABLE x; --" """,
    ]);

    public static IReadOnlyList<string> Numbers { get; } =
    [
        "0", "1", "-1", "-5", "1.9", "4.5", "1e30", "1e400", "-1e400", "1e-400", "1E+1000", "1e1000", "1e1001", "1e-1001", "1e99999",
        "1.5e-99999", "0e10000", "1e0001000", "9999999999999999", "99999999999999999999", "4294967301", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "-0", "0.0", "1.0", "3.0", "1538494337103",
        "253402214399999", "253402300800000", "-62135596800000", "-62135596800001", "-1538494337103", "2147483648", "-2147483649",
    ];

    public static IReadOnlyList<string> Literals { get; } = ["null", "true", "false"];

    public static IReadOnlyList<string> Containers { get; } = Trimmed(
    [
        "{}", "[]", "[null]", "[1,2,3]", """{"a":1}""", """[{"id":"u1","role":"CONSUMER"}]""", """{"CONSUMER":["u1"],"ASSIGNED_AGENT":"a1"}""",
        """{"csatRate":4294967301,"csatResolutionConfirmation":"yes","status":7}""", """{"csatRate":4.5}""",
        """[{"dialogId":"d1","state":"CLOSE","dialogType":"MAIN"},{"dialogId":"d1","state":"CLOSE"}]""",
        """{"type":"vertical","elements":[{"type":"text","text":"\u0000"}]}""", """{"\ud83d":1}""", """{"\udc00\udc00\udc00\udc00\udc00\udc00":1}""",
        """{"caption":"\ud83d","relativePath":"/a\u0000b","fileType":"PNG"}""", """[{"type":"Answer","questionId":"\u0000","id":"\ud83d"}]""",
        """{"ttrType":"\u0000","value":1e400}""", """[1.9,-1,1e30,"x",3]""", """{"n":1e1001,"m":-1e-5000,"s":"\ud83d"}""",
    ]);

    /// <summary>Keys as raw literals: NUL, lone surrogates (long enough that a lookup of a shorter name unescapes them), escapes.</summary>
    public static IReadOnlyList<string> Keys { get; } = Trimmed(
    [
        """ "" """, """ "\u0000" """, """ "a\u0000b" """, """ "\ud83d" """, """ "\udc00x" """, """ "\ud83d\ud83d\ud83d\ud83d" """,
        """ "\udc00\udc00\udc00\udc00\udc00\udc00\udc00\udc00" """, """ "😀" """, """ "\u0064ialogId" """, """ "\u0074ype" """,
        """ "dialogId" """, """ "sequence" """, """ "type" """, """ "convId" """, """ "event" """, """ "body" """, """ "changes" """,
        """ "message" """, """ "content" """, """ "Answer" """, """ "\u202Ekey" """, """ "\u001b[0m" """, """ "role" """, """ "id" """,
        "\"" + new string('k', 300) + "\"",
    ]);

    /// <summary>Values for an id used as a stream key: ids that pose as the archive's own streams, NUL, 300 characters.</summary>
    public static IReadOnlyList<string> Ids { get; } = Trimmed(
    [
        """ "conversation:x" """, """ "" """, "\"" + new string('d', 300) + "\"", """ "a\u0000b" """, """ "\ud83d" """, """ "d\u001b" """,
        "\"" + new string('d', 256) + "\"", "\"" + new string('d', 257) + "\"", """ " " """, """ "😀" """, "5", "1.5", "true", "null", "{}", "[]",
        """ ["d1"] """, """ "x:y" """, """ "unrecognised:fuzz" """, """ "chatstate:d" """, """ "agent:a" """, """ "\u202Ed" """, """ "d1" """,
    ]);

    public static IReadOnlyList<string> Sequences { get; } = Trimmed(
    [
        "1.9", "-5", """ "abc" """, "99999999999999999999", "1e30", "1e400", "-1", "0", """ "7" """, "4294967301", "9223372036854775807",
        "null", "true", "[1]", "{}", """ "" """, """ "-0" """, """ "0x10" """, """ " 7" """, "1.0", "-0",
    ]);

    public static IReadOnlyList<string> Timestamps { get; } = Trimmed(
    [
        "9999999999999999", "-1", "1.9", "1e30", "1e400", "99999999999999999999", "4294967301", """ "1538494337103" """, "253402214399999",
        "253402300799999", "253402300800000", "-62135596800000", "-62135596800001", "0", "9223372036854775807", "-9223372036854775808",
        """ "x" """, "null", "{}",
    ]);

    public static IReadOnlyList<string> TypeNames { get; } = Trimmed(
    [
        """ "ContentEvent" """, """ "RichContentEvent" """, """ "AcceptStatusEvent" """, """ "ChatStateEvent" """, """ "CsatSubmitted" """,
        """ "ConversationObserved" """, """ "DialogOpened" """, """ "DialogClosed" """, """ "ParticipantJoined" """, """ "UnmappedChange" """,
        """ "UnrecognisedFrame" """, """ ".ams.ContentEvent" """, """ "ContentEvent$x" """, """ "DELETE" """, """ "UPSERT" """,
        """ "ms.MessagingEventNotification" """, """ "cqm.ExConversationChangeNotification" """, """ "aam.ExConversationChangeNotification" """,
        """ ".ams.ms.MessagingEventNotification" """, """ "ms.OnlineEventDistribution" """, """ "" """, """ "9abc" """, """ "a b" """,
        "\"" + new string('T', 101) + "\"", """ "Content\u0000Event" """, """ "Answer" """, """ "\ud83dEvent" """, "7", "null",
    ]);

    /// <summary>Values for particular fields, beside the general pool.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ByField { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["dialogId"] = Ids, ["convId"] = Ids, ["conversationId"] = Ids, ["originatorId"] = Ids, ["originatorPId"] = Ids, ["id"] = Ids,
        ["sequence"] = Sequences,
        ["serverTimestamp"] = Timestamps, ["startTs"] = Timestamps, ["endTs"] = Timestamps, ["metaDataLastUpdateTs"] = Timestamps,
        ["lastUpdateTime"] = Timestamps, ["creationTs"] = Timestamps,
        ["type"] = TypeNames,
        ["status"] = Trimmed([""" "ACCEPT" """, """ "READ" """, """ "ACTION" """, """ "accept" """, """ "" """, "1", """ "READ\u0000" """]),
        ["csatRate"] = ["4294967301", "4.5", "5", "-1", "\"4\"", "1e30", "99999999999999999999", "2147483648", "-2147483649", "null"],
        ["role"] = Trimmed([""" "CONSUMER" """, """ "ASSIGNED_AGENT" """, """ "a\u0000b" """, """ "\ud83d" """, """ "" """, "42"]),
        ["participants"] = Trimmed(["42", """ "x" """, "true", "[]", "{}", """{"CONSUMER":["u\u0000"],"\u0000":"a"}""", """[{"id":"\ud83d","role":"\u0000"},{"id":5}]"""]),
        ["participantsPId"] = Trimmed(["42", "[]", """{"CONSUMER":"u1"}""", """{"CONSUMER":[["u1"]],"AGENT":{}}""", """{"a\u0000b":["\ud83d"]}"""]),
        ["dialogs"] = Trimmed(["42", """{"dialogId":"d1","state":"CLOSE"}""", """[{"dialogId":"d1"},{"dialogId":"d1","state":"CLOSE"}]""", """[{"dialogId":"\u0000"},7,null]"""]),
        ["sequenceList"] = Trimmed(["""[1.9,-1,1e30,"x",3]""", "3", """ "3" """, "[]", "{}", "null", "[99999999999999999999]", """[0,0,0]"""]),
        ["csat"] = Trimmed(["""{"csatRate":4294967301}""", """{"csatRate":4.5,"status":"\u0000"}""", "42", "[]", """{"csatRate":"5","csatResolutionConfirmation":1}"""]),
        ["ttr"] = Trimmed(["""{"ttrType":"\ud83d","value":99999999999999999999}""", "600", """{"value":1.5}"""]),
    };

    private static List<string> Trimmed(IEnumerable<string> tokens) => [.. tokens.Select(t => t.Trim())];

    public static string Pick(this Random random, IReadOnlyList<string> pool) => pool[random.Next(pool.Count)];

    /// <summary>Any hostile value: a string, a number, a literal or a container, sometimes generated rather than picked.</summary>
    public static string Value(Random random) => random.Next(100) switch
    {
        < 35 => random.Pick(Strings),
        < 60 => random.Pick(Numbers),
        < 63 => GeneratedNumber(random),
        < 70 => random.Pick(Literals),
        < 88 => random.Pick(Containers),
        _ => SmallTree(random, 3),
    };

    /// <summary>Numbers PostgreSQL's numeric refuses or that only look harmless: 1000+ digits, or 1000+ characters without a long run.</summary>
    public static string GeneratedNumber(Random random) => random.Next(4) switch
    {
        0 => "1" + new string('0', 990 + random.Next(40)),
        1 => "-" + new string('1', 499) + "." + new string('1', 499) + "e5",
        2 => "0." + new string('0', 1000) + "1",
        _ => new string('9', 400) + "." + new string('9', 400) + "e-" + (900 + random.Next(200)),
    };

    /// <summary>A small object or array of hostile keys and values.</summary>
    public static string SmallTree(Random random, int depth)
    {
        var text = new StringBuilder();
        var isObject = random.Next(2) == 0;
        text.Append(isObject ? '{' : '[');
        var count = random.Next(4);
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
                text.Append(',');
            if (isObject)
                text.Append(random.Next(3) == 0 ? random.Pick(Keys) : RawJson.Literal("k" + i)).Append(':');
            text.Append(depth > 0 && random.Next(4) == 0 ? SmallTree(random, depth - 1) : random.Next(2) == 0 ? random.Pick(Strings) : random.Pick(Numbers));
        }
        text.Append(isObject ? '}' : ']');
        return text.ToString();
    }

    /// <summary>A long string token: plain text, emoji, bidi marks and escapes, of a length from a few hundred to 1.5 million characters.</summary>
    public static string LongString(Random random)
    {
        var length = random.Next(100) switch
        {
            < 1 => 1_500_000,
            < 11 => 100_001 + random.Next(50_000),
            _ => 300 + random.Next(5_000),
        };
        string[] pieces = ["lorem ipsum ", "😀", "\u202E", "\\n", "\\\"", "é", "\\u001b[1m", "中文", "\\ud83d\\ude00", "x"];
        var rare = new[] { "\\u0000", "\\ud83d", "\\udc00" };
        var text = new StringBuilder(length + 16).Append('"');
        while (text.Length < length)
            text.Append(random.Next(500) == 0 ? random.Pick(rare) : random.Pick(pieces));
        return text.Append('"').ToString();
    }

    /// <summary>A value nested in <paramref name="depth"/> arrays or objects.</summary>
    public static string Nested(string value, int depth, bool objects) =>
        objects
            ? string.Concat(Enumerable.Repeat("{\"a\":", depth)) + value + new string('}', depth)
            : new string('[', depth) + value + new string(']', depth);
}
