using System.Text.RegularExpressions;

namespace Archiver.Domain.Masking;

/// <summary>
/// One kind of sensitive span: a pattern proposes candidates and code confirms them (a checksum, an issuer, a length),
/// because a pattern alone cannot tell a card number from an order number. Masking must stay linear in the text's length
/// whatever the text is, so every built-in pattern either matches maximal runs (each character read once) or starts with
/// a lookbehind that refuses every position inside a run, and every confirmation reads a bounded stretch per position.
/// </summary>
internal abstract class Detector
{
    /// <summary>The text with every confirmed span replaced, or <paramref name="text"/> itself when there is none.</summary>
    public string Apply(string text, string replacement)
    {
        if (!MayOccurIn(text))
            return text;
        var output = new MaskedText(text, replacement);
        foreach (var candidate in Candidates.EnumerateMatches(text))
            Confirm(text, candidate.Index, candidate.Length, ref output);
        return output.Result();
    }

    protected abstract Regex Candidates { get; }

    /// <summary>
    /// A vectorised first look (is there a digit at all, an <c>@</c>?) that lets most messages skip the pattern: most chat
    /// lines hold nothing to mask, and masking runs on every one of them.
    /// </summary>
    protected virtual bool MayOccurIn(ReadOnlySpan<char> text) => true;

    protected static bool HasAsciiDigit(ReadOnlySpan<char> text) => text.IndexOfAnyInRange('0', '9') >= 0;

    /// <summary>Replaces, in ascending order, the parts of the candidate that are really what the detector looks for.</summary>
    protected abstract void Confirm(string text, int index, int length, ref MaskedText output);
}
