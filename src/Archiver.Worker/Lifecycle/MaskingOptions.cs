using Archiver.Domain.Masking;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Lifecycle;

/// <summary>
/// Section <c>Masking</c> (docs/compliance.md): the rules <c>archiver masking apply</c> (and <c>archiver migrate</c>, on an
/// archive that has none yet) puts in force. No rules configured: the built-in five (e-mail, IBAN, payment card, US SSN,
/// phone). The worker does not read this section: it masks with the rules in force in the database.
/// </summary>
public sealed class MaskingOptions
{
    public const string Section = "Masking";

    public List<MaskingRuleOptions> Rules { get; set; } = [];

    /// <summary>The configured rules as a rule set (validated at start by <see cref="MaskingOptionsValidator"/>).</summary>
    public MaskingRuleSet ToRuleSet() => Rules.Count == 0
        ? MaskingRuleSet.Default
        : MaskingRuleSet.Create(Rules.Select(r => new MaskingRule(r.Name ?? "", Enum.Parse<MaskingDetector>(r.Detector ?? "", ignoreCase: true),
            string.IsNullOrEmpty(r.Pattern) ? null : r.Pattern, string.IsNullOrEmpty(r.Replacement) ? null : r.Replacement)).ToList());
}

/// <summary><c>Masking__Rules__{i}__…</c>: a built-in detector, or a regular expression.</summary>
public sealed class MaskingRuleOptions
{
    public string? Name { get; set; }

    /// <summary>Card, Ssn, Email, Phone, Iban or Regex.</summary>
    public string? Detector { get; set; }

    /// <summary>Regex only: the pattern (.NET syntax, run without backtracking).</summary>
    public string? Pattern { get; set; }

    /// <summary>What a match becomes; by default "[card]", "[ssn]", … or "[name]".</summary>
    public string? Replacement { get; set; }
}

/// <summary>Section <c>Masking</c> checked at start, naming the rule.</summary>
public sealed class MaskingOptionsValidator : IValidateOptions<MaskingOptions>
{
    public ValidateOptionsResult Validate(string? name, MaskingOptions options)
    {
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var detector = options.Rules[i].Detector;
            if (!Enum.TryParse<MaskingDetector>(detector, ignoreCase: true, out _) || int.TryParse(detector, out _))
                return ValidateOptionsResult.Fail($"Masking__Rules__{i}__Detector: '{detector}' is not a detector (Card, Ssn, Email, Phone, Iban, Regex).");
        }
        try
        {
            _ = options.ToRuleSet();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"Masking__Rules: {e.Message}");
        }
    }
}
