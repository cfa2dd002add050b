using System.Globalization;
using System.Text;

namespace Archiver.Worker.Cli;

/// <summary>
/// Archived text made harmless to print on a terminal. Messages come from anyone on the internet: an escape sequence
/// in one could recolour the screen, move the cursor over earlier lines, plant an OSC 8 hyperlink or write the
/// clipboard (OSC 52), and a line break could forge a transcript line. So every character a terminal could act on is
/// replaced by something visible:
/// <list type="bullet">
/// <item>line breaks (CR LF, LF, CR, NEL U+0085, U+2028, U+2029) by <c>⏎</c>, so one message stays one line;</item>
/// <item>tab by a space;</item>
/// <item>other C0 controls and DEL by their caret form (<c>^[</c> for ESC, <c>^G</c> for BEL, <c>^?</c> for DEL);</item>
/// <item>C1 controls (U+0080–U+009F; U+009B is a one-character CSI), the bidi embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) and lone UTF-16 surrogates by U+FFFD.</item>
/// </list>
/// The result is plain text for <see cref="Console"/>; it is not Spectre.Console markup, so text such as <c>[red]</c>
/// prints as it is — never hand it to a markup renderer without <c>Markup.Escape</c>.
/// </summary>
internal static class TerminalText
{
    public const char LineBreak = '⏎';

    /// <summary>The text with every character a terminal could act on replaced (see the class); null is empty.</summary>
    public static string Clean(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        var first = FirstUnsafe(value);
        if (first < 0)
            return value;
        var clean = new StringBuilder(value.Length + 16).Append(value, 0, first);
        for (var i = first; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                clean.Append(c).Append(value[++i]);
                continue;
            }
            switch (c)
            {
                case '\r' when i + 1 < value.Length && value[i + 1] == '\n':
                    clean.Append(LineBreak);
                    i++;
                    break;
                case '\n' or '\r' or '\u0085' or '\u2028' or '\u2029':
                    clean.Append(LineBreak);
                    break;
                case '\t':
                    clean.Append(' ');
                    break;
                case < ' ' or '\u007F':
                    clean.Append('^').Append((char)(c ^ 0x40));
                    break;
                default:
                    clean.Append(char.IsSurrogate(c) || IsUnsafe(c) ? '\uFFFD' : c);
                    break;
            }
        }
        return clean.ToString();
    }

    /// <summary>
    /// Serialised JSON with the characters <see cref="Clean"/> would replace written as <c>\uXXXX</c> escapes instead:
    /// the value stays exactly the same (outside strings JSON has only structural characters and spaces), only its
    /// spelling changes. The serialiser already escapes controls; the bidi controls are what it leaves raw.
    /// </summary>
    public static string Json(string json)
    {
        if (FirstUnsafe(json) < 0)
            return json;
        var escaped = new StringBuilder(json.Length + 16);
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (char.IsHighSurrogate(c) && i + 1 < json.Length && char.IsLowSurrogate(json[i + 1]))
                escaped.Append(c).Append(json[++i]);
            else if (char.IsSurrogate(c))
                escaped.Append("\\uFFFD");
            else if (IsUnsafe(c))
                escaped.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            else
                escaped.Append(c);
        }
        return escaped.ToString();
    }

    private static int FirstUnsafe(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                i++;
            else if (char.IsSurrogate(c) || IsUnsafe(c))
                return i;
        }
        return -1;
    }

    private static bool IsUnsafe(char c) =>
        c is < ' ' or (>= '\u007F' and <= '\u009F') or '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
