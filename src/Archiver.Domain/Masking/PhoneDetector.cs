using System.Text.RegularExpressions;

namespace Archiver.Domain.Masking;

/// <summary>
/// Phone numbers in the two forms customers type. International: <c>+</c>, a country code, then groups separated by a
/// single space, dot or hyphen or set in parentheses (<c>+44 20 7946 0958</c>, <c>+1 (415) 555-0132</c>,
/// <c>+44 (0)20 7946 0958</c>, <c>(+33) 6 12 34 56 78</c>), 8–15 digits in all (E.164's maximum is 15; when a run goes
/// on past that, its longest prefix of whole groups within 15 digits is the number). North-American:
/// <c>(415) 555-0132</c>, <c>415-555-0132</c>, <c>415.555.0132</c>, <c>415 555 0132</c>, optionally after a trunk
/// <c>1</c>, with area code and exchange starting 2–9 as the numbering plan requires. A national number must have its
/// separators or parentheses: a bare run of digits is an order number or an epoch timestamp, never a phone number.
/// </summary>
internal sealed partial class PhoneDetector : Detector
{
    private const int MinDigits = 8;
    private const int MaxDigits = 15;

    public static PhoneDetector Instance { get; } = new();

    protected override Regex Candidates => Numbers();

    protected override bool MayOccurIn(ReadOnlySpan<char> text) => HasAsciiDigit(text);

    protected override void Confirm(string text, int index, int length, ref MaskedText output)
    {
        if (text[index] != '+' && !(text[index] == '(' && text[index + 1] == '+'))
        {
            output.Replace(index, length); // North-American: the pattern is the whole check
            return;
        }
        var end = index + length;
        var digits = 0;
        var numberEnd = -1;
        for (var i = index; i < end; i++)
        {
            if (!char.IsAsciiDigit(text[i]))
                continue;
            if (++digits > MaxDigits)
                break;
            var groupEnds = i + 1 == end || !char.IsAsciiDigit(text[i + 1]);
            if (groupEnds && digits >= MinDigits && (i + 1 == end || text[i + 1] != ')'))
                numberEnd = i + 1;
        }
        if (numberEnd > 0)
            output.Replace(index, numberEnd - index);
    }

    // International: "+cc" or "(+cc)", then digit groups each after one separator or a parenthesised group (with a
    // separator either side or none). Every branch starts on a different character, so nothing is tried twice.
    // North-American: optional trunk "1", area code (parenthesised or followed by a separator), exchange, line.
    [GeneratedRegex(
        @"(?<![0-9])(?:(?:\(\+[1-9][0-9]{0,3}\)|\+[1-9][0-9]*)(?:(?:[ .-]|[ .-]?\([0-9]{1,4}\)[ .-]?)[0-9]+)*" +
        @"|(?:1[ .-])?(?:\([2-9][0-9]{2}\)[ .-]?|[2-9][0-9]{2}[ .-])[2-9][0-9]{2}[ .-][0-9]{4})(?![0-9])",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: Timeout.Infinite)]
    private static partial Regex Numbers();
}
