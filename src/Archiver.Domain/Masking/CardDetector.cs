using System.Text.RegularExpressions;

namespace Archiver.Domain.Masking;

/// <summary>
/// Payment card numbers: 13–19 digits, whole or in groups separated by single spaces or hyphens, passing the Luhn check
/// AND starting with a known issuer's prefix at a length that issuer uses. Luhn alone passes one random number in ten,
/// so the issuer table is what keeps tracking ids and references readable.
/// <para>
/// A candidate is a whole run of digit groups (<c>4111 1111 1111 1111 123</c>); the card is looked for among its
/// windows that start and end on group boundaries, longest first. A card typed with its CVV or another number after it
/// is still found, and a digit or letter glued to the run's ends (<c>1Z999AA10123456784</c>) means the run is part of
/// something longer, so no window may start or end there. A run right after <c>+</c> is a phone number's, not a card.
/// Maestro's 12-digit numbers are not looked for: twelve digits are too common (tracking ids like <c>7489 2345 6789</c>).
/// </para>
/// </summary>
internal sealed partial class CardDetector : Detector
{
    private const int MinDigits = 13;
    private const int MaxDigits = 19;

    public static CardDetector Instance { get; } = new();

    protected override Regex Candidates => DigitRuns();

    protected override bool MayOccurIn(ReadOnlySpan<char> text) => HasAsciiDigit(text);

    protected override void Confirm(string text, int index, int length, ref MaskedText output)
    {
        var end = index + length;
        var startIsOpen = index == 0 || !(char.IsLetterOrDigit(text[index - 1]) || text[index - 1] == '+');
        var endIsOpen = end == text.Length || !char.IsLetterOrDigit(text[end]);
        Span<byte> digits = stackalloc byte[MaxDigits];
        var start = index;
        while (start < end)
        {
            // Every issuer prefix starts with 2–6: a group starting otherwise starts no card, and costs nothing more.
            var cardEnd = (start == index && !startIsOpen) || text[start] is < '2' or > '6' ? -1 : CardAt(text, start, end, endIsOpen, digits);
            if (cardEnd > 0)
            {
                output.Replace(start, cardEnd - start);
                start = cardEnd + 1; // past the separator after it (or past the run)
                continue;
            }
            var separator = text.AsSpan(start, end - start).IndexOfAny(' ', '-');
            start = separator < 0 ? end : start + separator + 1;
        }
    }

    /// <summary>
    /// The end of the longest card number starting at <paramref name="start"/> (a group's first digit) and ending at a
    /// group's end inside the run, or -1. At most 19 digits are read from any start, so a run costs linear time.
    /// </summary>
    private static int CardAt(string text, int start, int runEnd, bool runEndIsOpen, Span<byte> digits)
    {
        Span<int> ends = stackalloc int[MaxDigits - MinDigits + 1];
        Span<int> counts = stackalloc int[MaxDigits - MinDigits + 1];
        var found = 0;
        var count = 0;
        for (var i = start; ; i++)
        {
            if (i == runEnd || text[i] is ' ' or '-')
            {
                if (count >= MinDigits && (i < runEnd || runEndIsOpen))
                {
                    ends[found] = i;
                    counts[found++] = count;
                }
                if (i == runEnd)
                    break;
                continue;
            }
            if (count == MaxDigits)
                break;
            digits[count++] = (byte)(text[i] - '0');
        }
        for (var k = found - 1; k >= 0; k--)
        {
            var number = digits[..counts[k]];
            if (HasKnownIssuer(number) && PassesLuhn(number))
                return ends[k];
        }
        return -1;
    }

    internal static bool PassesLuhn(ReadOnlySpan<byte> digits)
    {
        var sum = 0;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i];
            if ((digits.Length - 1 - i) % 2 == 1)
                d = (byte)(d * 2 > 9 ? d * 2 - 9 : d * 2);
            sum += d;
        }
        return sum % 10 == 0;
    }

    /// <summary>The issuer prefixes (IIN ranges) and lengths of the card schemes in use.</summary>
    internal static bool HasKnownIssuer(ReadOnlySpan<byte> digits)
    {
        var length = digits.Length;
        if (length < 4)
            return false;
        var p2 = digits[0] * 10 + digits[1];
        var p3 = p2 * 10 + digits[2];
        var p4 = p3 * 10 + digits[3];
        var sixteenToNineteen = length is >= 16 and <= 19;
        return (digits[0] == 4 && length is 13 or 16 or 19)                                    // Visa
               || ((p2 is >= 51 and <= 55 || p4 is >= 2221 and <= 2720) && length == 16)       // Mastercard
               || (p2 is 34 or 37 && length == 15)                                              // American Express
               || ((p4 == 6011 || p3 is >= 644 and <= 649 || p2 == 65) && sixteenToNineteen)   // Discover
               || ((p3 is >= 300 and <= 305 || p2 is 36 or 38) && length is >= 14 and <= 19)   // Diners Club
               || (p4 is >= 3528 and <= 3589 && sixteenToNineteen)                              // JCB
               || (p2 == 62 && sixteenToNineteen)                                               // UnionPay
               || ((p2 == 50 || p2 is >= 56 and <= 69) && length is >= 12 and <= 19);         // Maestro
    }

    // Maximal runs of ASCII digit groups joined by single spaces or hyphens; the windows are looked for in code.
    [GeneratedRegex("[0-9]+(?:[ -][0-9]+)*", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: Timeout.Infinite)]
    private static partial Regex DigitRuns();
}
