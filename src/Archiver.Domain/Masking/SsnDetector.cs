using System.Text.RegularExpressions;

namespace Archiver.Domain.Masking;

/// <summary>
/// US social security numbers written as people write them, with separators: <c>123-45-6789</c> or <c>123 45 6789</c>
/// (the same separator twice). Nine bare digits are not looked for: they are far more often an order or account
/// number. The numbers the Social Security Administration never issues are not SSNs: area 000, 666 or 900–999, group
/// 00, serial 0000 (so <c>000-12-3456</c> or <c>987-65-4321</c> stays readable).
/// </summary>
internal sealed partial class SsnDetector : Detector
{
    public static SsnDetector Instance { get; } = new();

    protected override Regex Candidates => Numbers();

    protected override bool MayOccurIn(ReadOnlySpan<char> text) => HasAsciiDigit(text);

    protected override void Confirm(string text, int index, int length, ref MaskedText output)
    {
        var area = Number(text, index, 3);
        var group = Number(text, index + 4, 2);
        var serial = Number(text, index + 7, 4);
        if (area is not (0 or 666 or >= 900) && group != 0 && serial != 0)
            output.Replace(index, length);
    }

    private static int Number(string text, int start, int digits)
    {
        var value = 0;
        for (var i = start; i < start + digits; i++)
            value = value * 10 + (text[i] - '0');
        return value;
    }

    // No digit immediately before or after: 1123-45-6789 or 123-45-67890 is part of a longer number.
    [GeneratedRegex("(?<![0-9])(?:[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4})(?![0-9])",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: Timeout.Infinite)]
    private static partial Regex Numbers();
}
