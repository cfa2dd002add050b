using System.Text.RegularExpressions;

namespace Archiver.Domain.Masking;

/// <summary>
/// E-mail addresses, the practical form: a local part of letters, digits and <c>._%+-</c> (and <c>_</c>, as in
/// <c>john_smith@example.com</c>, so that such an address is not half masked), then <c>@</c>, then dotted
/// domain labels ending in a top-level domain of two or more letters (either case: every class has both). An address
/// without a dot in its domain (<c>user@localhost</c>, <c>root@build01</c>) is not masked: it names a machine account,
/// not a person a customer could be reached at, and masking every <c>word@word</c> would hide chat handles too.
/// </summary>
internal sealed partial class EmailDetector : Detector
{
    public static EmailDetector Instance { get; } = new();

    protected override Regex Candidates => Addresses();

    protected override bool MayOccurIn(ReadOnlySpan<char> text) => text.Contains('@');

    protected override void Confirm(string text, int index, int length, ref MaskedText output) => output.Replace(index, length);

    // The lookbehind makes each local part start only where its run of local-part characters starts, so a long run
    // without '@' is read once, not once per position; labels are bounded (63 characters) as DNS bounds them.
    [GeneratedRegex(
        "(?<![A-Za-z0-9_.%+-])[A-Za-z0-9_.%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}(?![A-Za-z0-9-])",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: Timeout.Infinite)]
    private static partial Regex Addresses();
}
