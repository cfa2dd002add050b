using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Archiver.Domain.Protocol;

/// <summary>
/// Tolerant reads: the spec's robustness rules (docs/protocol.md) in one place. None of them throws, whatever the
/// content: a value of an unexpected type reads as absent, and a number is an integer only when it is written as one.
/// </summary>
public static class JsonElementExtensions
{
    /// <summary>"An array containing a single element may be sent using the element itself instead of the array."</summary>
    public static IEnumerable<JsonElement> ElementOrArray(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => element.EnumerateArray(),
        JsonValueKind.Undefined or JsonValueKind.Null => [],
        _ => [element],
    };

    public static JsonElement Property(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
            return default;
        try
        {
            return element.TryGetProperty(name, out var value) ? value : default;
        }
        catch (InvalidOperationException)
        {
            // Another key of the object is an escaped lone surrogate, which System.Text.Json throws on while comparing.
            foreach (var property in element.EnumerateObject())
            {
                if (property.NameOf(out _) == name)
                    return property.Value;
            }
            return default;
        }
    }

    /// <summary>Whether the value is there at all (JSON null counts as absent).</summary>
    public static bool IsPresent(this JsonElement element) => element.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);

    /// <summary>
    /// A string, or a number or boolean written as a string (request ids are sent both ways). An escaped lone UTF-16
    /// surrogate (half an emoji, <c>"\ud83d"</c>) becomes U+FFFD instead of throwing as <see cref="JsonElement.GetString"/>
    /// does; NUL and other control characters are kept (the read models decide what to do with them).
    /// </summary>
    public static string? AsString(this JsonElement element) => element.AsString(out _);

    /// <summary>The same, saying whether a lone surrogate had to be replaced.</summary>
    public static string? AsString(this JsonElement element, out bool repaired)
    {
        repaired = false;
        return element.ValueKind switch
        {
            JsonValueKind.String => ReadString(element, out repaired),
            JsonValueKind.Number => element.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    /// <summary>
    /// An integer written as one: a JSON number without fraction or exponent that fits 64 bits, or a string of such
    /// digits. <c>1.9</c>, <c>1e3</c>, <c>99999999999999999999</c> and <c>"abc"</c> are not integers (null), never
    /// rounded or truncated into one.
    /// </summary>
    public static long? AsInt64(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetInt64(out var value) => value,
        JsonValueKind.String when long.TryParse(ReadString(element, out _), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) => value,
        _ => null,
    };

    public static bool? AsBoolean(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(ReadString(element, out _), out var value) => value,
        JsonValueKind.Number when element.TryGetInt64(out var value) => value != 0,
        _ => null,
    };

    /// <summary>A property's name, an escaped lone surrogate in it replaced by U+FFFD instead of throwing.</summary>
    public static string NameOf(this JsonProperty property, out bool repaired)
    {
        repaired = false;
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            // The raw text is `"name": value`; the name is the first string token, ending at its first unescaped quote.
            repaired = true;
            var raw = property.ToString();
            var end = 1;
            while (end < raw.Length && raw[end] != '"')
                end += raw[end] == '\\' ? 2 : 1;
            return Unescape(raw[..Math.Min(end + 1, raw.Length)]);
        }
    }

    private static string ReadString(JsonElement element, out bool repaired)
    {
        repaired = false;
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate: System.Text.Json refuses to produce invalid UTF-16. Unescape it ourselves.
            repaired = true;
            return Unescape(element.GetRawText());
        }
    }

    /// <summary>The value of a JSON string token (with its quotes), lone surrogates replaced by U+FFFD.</summary>
    private static string Unescape(string quoted)
    {
        var text = new StringBuilder(quoted.Length);
        for (var i = 1; i < quoted.Length - 1; i++)
        {
            var c = quoted[i];
            if (c != '\\' || i + 1 >= quoted.Length - 1)
            {
                text.Append(c);
                continue;
            }
            var next = quoted[++i];
            switch (next)
            {
                case 'n': text.Append('\n'); break;
                case 't': text.Append('\t'); break;
                case 'r': text.Append('\r'); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'u' when i + 4 < quoted.Length
                              && ushort.TryParse(quoted.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    text.Append((char)code);
                    i += 4;
                    break;
                default: text.Append(next); break; // \" \\ \/
            }
        }
        return TextRepair.ReplaceLoneSurrogates(text.ToString());
    }
}
