namespace Archiver.Domain.Masking;

/// <summary>
/// What a masking rule looks for. The built-ins pair a source-generated pattern with a check (Luhn and issuer, SSN
/// areas, mod-97) so that order numbers, tracking ids and timestamps stay readable; <see cref="Regex"/> is the
/// analyst-defined escape hatch, run by the non-backtracking engine so that no pattern can make ingestion slow.
/// </summary>
public enum MaskingDetector
{
    /// <summary>A payment card number: 13–19 digits, Luhn-valid, with a known issuer prefix and length.</summary>
    Card,

    /// <summary>A US social security number written with separators (123-45-6789, 123 45 6789), area/group/serial valid.</summary>
    Ssn,

    /// <summary>An e-mail address whose domain has a top-level domain of two or more letters.</summary>
    Email,

    /// <summary>An international (+…) or North-American (separators or parentheses required) phone number.</summary>
    Phone,

    /// <summary>An IBAN (ISO 13616): a known country's length and a valid mod-97 check.</summary>
    Iban,

    /// <summary>The rule's own pattern (<see cref="MaskingRule.Pattern"/>).</summary>
    Regex,
}
