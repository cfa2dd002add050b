namespace Archiver.Domain.Masking;

/// <summary>
/// One thing analysts must not see, and what they see instead. A rule is checked only as part of a
/// <see cref="MaskingRuleSet"/> (<see cref="MaskingRuleSet.Create"/>), which also fills in the default replacement, so
/// that the rule set in force is written out, and identified, exactly as it masks.
/// </summary>
/// <param name="Name">The rule's name, unique in its set (ignoring case); errors and the default replacement name it.</param>
/// <param name="Detector">What the rule looks for.</param>
/// <param name="Pattern">
/// For <see cref="MaskingDetector.Regex"/> only, and required there: a .NET pattern run with
/// <c>RegexOptions.NonBacktracking | RegexOptions.CultureInvariant</c> (linear time whatever the text), so constructs
/// that engine refuses (backreferences, lookarounds, atomic groups) are refused, and so is a pattern that can match
/// the empty string (it would insert its replacement between characters).
/// </param>
/// <param name="Replacement">
/// The literal text each match becomes (no <c>$1</c> substitutions); <see langword="null"/> for the default,
/// <c>[card]</c>, <c>[ssn]</c>, <c>[email]</c>, <c>[phone]</c>, <c>[iban]</c>, or <c>[</c>name<c>]</c> for a regex.
/// </param>
public sealed record MaskingRule(string Name, MaskingDetector Detector, string? Pattern = null, string? Replacement = null)
{
    /// <summary>What a match becomes: <see cref="Replacement"/>, or the detector's default when there is none.</summary>
    public string EffectiveReplacement => Replacement ?? DefaultReplacement(Name, Detector);

    /// <summary>The replacement a rule gets when it does not choose one.</summary>
    public static string DefaultReplacement(string name, MaskingDetector detector) => detector switch
    {
        MaskingDetector.Card => "[card]",
        MaskingDetector.Ssn => "[ssn]",
        MaskingDetector.Email => "[email]",
        MaskingDetector.Phone => "[phone]",
        MaskingDetector.Iban => "[iban]",
        _ => "[" + name + "]",
    };
}
