using System.Text.RegularExpressions;

namespace Archiver.Domain.Masking;

/// <summary>
/// International bank account numbers (ISO 13616): a country code, two check digits and the national account number,
/// written whole (<c>GB29NWBK60161331926819</c>) or in groups of four separated by single spaces
/// (<c>DE89 3704 0044 0532 0130 00</c>), in either case. A candidate is an IBAN when its country is in the registry
/// with exactly that length and the mod-97 check gives 1: random letters and digits pass the check one time in 97,
/// and the length table turns away almost all of those. When a grouped candidate runs on into the next word
/// (<c>BE68 5390 0754 7034 Thanks</c>), its shorter prefixes of whole groups are tried too.
/// </summary>
internal sealed partial class IbanDetector : Detector
{
    private const int MinLength = 15;
    private const int MaxLength = 34;

    /// <summary>
    /// The IBAN length of each country of the SWIFT IBAN registry, and of the countries whose banks publish IBANs in the
    /// same form without being in it yet (much of Africa, Iran): masking one of those is better than showing it.
    /// </summary>
    private const string Registry =
        "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 " +
        "ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 " +
        "LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 " +
        "PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 " +
        "YE30 " +
        "AO25 BF28 BJ28 CF27 CG27 CI28 CM27 CV25 DZ26 GA27 GQ27 GW25 IR26 KM27 MA28 MG27 ML28 MZ25 NE28 SN28 TD27 TG28";

    private static readonly byte[] Lengths = BuildLengths();

    public static IbanDetector Instance { get; } = new();

    protected override Regex Candidates => Candidate();

    protected override bool MayOccurIn(ReadOnlySpan<char> text) => HasAsciiDigit(text);

    protected override void Confirm(string text, int index, int length, ref MaskedText output)
    {
        Span<char> compact = stackalloc char[length];
        Span<int> groupEnds = stackalloc int[length + 1]; // text index after each group (grouped form)
        Span<int> compactLengths = stackalloc int[length + 1];
        var groups = 0;
        var n = 0;
        for (var i = index; i < index + length; i++)
        {
            var c = text[i];
            if (c == ' ')
            {
                groupEnds[groups] = i;
                compactLengths[groups++] = n;
                continue;
            }
            compact[n++] = char.IsAsciiLetterLower(c) ? (char)(c - 'a' + 'A') : c;
        }
        groupEnds[groups] = index + length;
        compactLengths[groups++] = n;
        for (var k = groups - 1; k >= 0; k--)
        {
            if (IsValid(compact[..compactLengths[k]]))
            {
                output.Replace(index, groupEnds[k] - index);
                return;
            }
        }
    }

    /// <summary>An IBAN, upper-case and without spaces: registered length for its country, check digits 02–98, mod 97 = 1.</summary>
    internal static bool IsValid(ReadOnlySpan<char> iban)
    {
        if (iban.Length is < MinLength or > MaxLength || !char.IsAsciiLetterUpper(iban[0]) || !char.IsAsciiLetterUpper(iban[1]))
            return false;
        if (Lengths[(iban[0] - 'A') * 26 + (iban[1] - 'A')] != iban.Length)
            return false;
        var check = (iban[2] - '0') * 10 + (iban[3] - '0');
        if (!char.IsAsciiDigit(iban[2]) || !char.IsAsciiDigit(iban[3]) || check is < 2 or > 98)
            return false;
        var remainder = 0;
        for (var i = 0; i < iban.Length; i++)
        {
            var c = iban[(i + 4) % iban.Length]; // the account number first, then country and check digits
            if (char.IsAsciiDigit(c))
                remainder = (remainder * 10 + (c - '0')) % 97;
            else if (char.IsAsciiLetterUpper(c))
                remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
            else
                return false;
        }
        return remainder == 1;
    }

    private static byte[] BuildLengths()
    {
        var lengths = new byte[26 * 26];
        foreach (var entry in Registry.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            lengths[(entry[0] - 'A') * 26 + (entry[1] - 'A')] = byte.Parse(entry.AsSpan(2), provider: System.Globalization.CultureInfo.InvariantCulture);
        return lengths;
    }

    // Two letters, two check digits, then 11–30 letters and digits whole, or in space-separated groups of four (the last
    // one shorter); no letter or digit on either side. Every repetition is bounded, so a candidate is at most 36 characters.
    [GeneratedRegex(
        "(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,4})?)(?![A-Za-z0-9])",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: Timeout.Infinite)]
    private static partial Regex Candidate();
}
