namespace Archiver.Domain.Protocol;

/// <summary>
/// Text the database and every reader can hold. PostgreSQL text cannot contain NUL, and a lone UTF-16 surrogate (half
/// an emoji) has no UTF-8 form; both become U+FFFD, the Unicode replacement character. The evidence is never repaired:
/// only what is read from it.
/// </summary>
public static class TextRepair
{
    public const char Replacement = '\uFFFD';

    /// <summary>The text with NUL and lone surrogates replaced; <paramref name="repaired"/> says whether anything was.</summary>
    public static string? Repair(string? text, out bool repaired)
    {
        repaired = false;
        if (text is null || (!text.Contains('\0', StringComparison.Ordinal) && !HasLoneSurrogate(text)))
            return text;
        repaired = true;
        return Replace(text, nul: true);
    }

    /// <summary>Only lone surrogates replaced (NUL kept): for values that are checked for control characters later.</summary>
    public static string ReplaceLoneSurrogates(string text) => HasLoneSurrogate(text) ? Replace(text, nul: false) : text;

    public static bool HasLoneSurrogate(ReadOnlySpan<char> text)
    {
        var i = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
            return false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                return true;
        }
        return false;
    }

    private static string Replace(string text, bool nul)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (c == '\0' && nul)
                chars[i] = Replacement;
            else if (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                chars[i] = Replacement;
        }
        return new string(chars);
    }
}
