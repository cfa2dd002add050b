using System.Globalization;
using System.Text;

namespace Archiver.Domain.Masking;

/// <summary>
/// JSON string literals written and read by hand, so that neither depends on the runtime's encoder (whose choice of
/// what to escape has changed between releases, and would change a rule set's id with it) and neither throws on a lone
/// surrogate, which System.Text.Json refuses to read or write but an archived message may well contain.
/// </summary>
internal static class JsonText
{
    /// <summary>
    /// Appends <paramref name="value"/> as a JSON string: <c>"</c> and <c>\</c> and control characters escaped (the
    /// short forms where JSON has them, else <c>\u00xx</c>), a lone surrogate as <c>\udxxx</c>, everything else as it is.
    /// </summary>
    public static StringBuilder AppendQuoted(StringBuilder json, string value)
    {
        json.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                default:
                    if (c < ' ')
                        AppendEscape(json, c);
                    else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                        json.Append(c).Append(value[++i]);
                    else if (char.IsSurrogate(c))
                        AppendEscape(json, c);
                    else
                        json.Append(c);
                    break;
            }
        }
        return json.Append('"');
    }

    /// <summary>
    /// The value of a string token from its raw UTF-8 content (between the quotes, as <c>Utf8JsonReader.ValueSpan</c>
    /// gives it, already checked by the reader), with <c>\udxxx</c> escapes kept as the lone surrogates they stand for.
    /// </summary>
    public static string Unescape(ReadOnlySpan<byte> raw)
    {
        var backslash = raw.IndexOf((byte)'\\');
        if (backslash < 0)
            return Encoding.UTF8.GetString(raw);
        var text = new StringBuilder(raw.Length);
        while (backslash >= 0)
        {
            text.Append(Encoding.UTF8.GetString(raw[..backslash]));
            raw = raw[backslash..];
            if (raw.Length < 2)
                break;
            var consumed = 2;
            switch (raw[1])
            {
                case (byte)'n': text.Append('\n'); break;
                case (byte)'r': text.Append('\r'); break;
                case (byte)'t': text.Append('\t'); break;
                case (byte)'b': text.Append('\b'); break;
                case (byte)'f': text.Append('\f'); break;
                case (byte)'u' when raw.Length >= 6
                                    && ushort.TryParse(raw.Slice(2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    text.Append((char)code);
                    consumed = 6;
                    break;
                default: text.Append((char)raw[1]); break; // \" \\ \/
            }
            raw = raw[consumed..];
            backslash = raw.IndexOf((byte)'\\');
        }
        return text.Append(Encoding.UTF8.GetString(raw)).ToString();
    }

    private static void AppendEscape(StringBuilder json, char c) =>
        json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
}
