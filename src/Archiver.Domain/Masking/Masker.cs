using System.Text;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Masking;

/// <summary>
/// Applies a <see cref="MaskingRuleSet"/> to what analysts read. It runs on every message at ingestion, so it is built
/// once per rule set (<see cref="MaskingRuleSet.Masker"/>), is safe to share between threads (it holds no state), takes
/// time linear in the text's length, and never throws, whatever the text: NUL, lone surrogates, megabytes of digits.
/// </summary>
public sealed class Masker
{
    private readonly (Detector Detector, string Replacement)[] _steps;

    internal Masker(IEnumerable<(Detector Detector, string Replacement)> steps) => _steps = [.. steps];

    /// <summary>
    /// The text with every span a rule detects replaced by that rule's replacement, the rules applied in order (a later
    /// rule reads the earlier rules' output, replacements included); the very same instance when no rule matched, so
    /// callers can tell "unchanged" by reference.
    /// </summary>
    public string? Mask(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return text;
        var masked = text;
        foreach (var (detector, replacement) in _steps)
            masked = detector.Apply(masked, replacement);
        return masked;
    }

    /// <summary>
    /// Rich content: <see cref="Mask"/> applied to every string value of the JSON document (never to a property name,
    /// nor to a number), the document written back compact when a value changed, the very same instance when none did.
    /// Text that is not one JSON value within <see cref="JsonLimits.MaxDepth"/> levels (or that holds a raw lone
    /// surrogate, which no JSON reader takes) is masked as plain text instead: it is still shown to analysts.
    /// </summary>
    public string? MaskJson(string? json)
    {
        if (string.IsNullOrEmpty(json) || _steps.Length == 0)
            return json;
        if (TextRepair.HasLoneSurrogate(json) || !JsonMasking.TryMask(Encoding.UTF8.GetBytes(json), this, out var masked))
            return Mask(json);
        return masked ?? json;
    }
}
