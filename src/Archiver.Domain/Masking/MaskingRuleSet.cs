using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Masking;

/// <summary>
/// The masking rules in force, checked once, written canonically and identified by a hash of that writing, so that
/// what was masked can always be traced to exactly the rules that masked it (<see cref="Id"/>).
/// </summary>
public sealed class MaskingRuleSet
{
    private readonly string _canonicalJson;

    private MaskingRuleSet(IReadOnlyList<MaskingRule> rules, Masker masker)
    {
        Rules = rules;
        Masker = masker;
        _canonicalJson = WriteCanonical(rules);
        Id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_canonicalJson)), 0, 8);
    }

    /// <summary>The rules, in the order they apply, each with its replacement written out (none is null).</summary>
    public IReadOnlyList<MaskingRule> Rules { get; }

    /// <summary>The first 16 lower-case hex digits of the SHA-256 of <see cref="ToCanonicalJson"/>'s UTF-8 bytes.</summary>
    public string Id { get; }

    /// <summary>The masker for these rules, built once (patterns compiled) when the set was created.</summary>
    public Masker Masker { get; }

    /// <summary>
    /// The five built-ins, in this order: <c>email</c>, <c>iban</c>, <c>card</c>, <c>ssn</c>, <c>phone</c>. E-mail first,
    /// so that an address whose local part is a phone or card number is hidden whole rather than left with its domain
    /// showing; IBAN before card, so that the digit groups of an IBAN are hidden as the IBAN they are, not taken for a
    /// Maestro card number and leave the rest of the IBAN behind.
    /// </summary>
    public static MaskingRuleSet Default { get; } = Create(
    [
        new MaskingRule("email", MaskingDetector.Email),
        new MaskingRule("iban", MaskingDetector.Iban),
        new MaskingRule("card", MaskingDetector.Card),
        new MaskingRule("ssn", MaskingDetector.Ssn),
        new MaskingRule("phone", MaskingDetector.Phone),
    ]);

    /// <summary>
    /// The rule set, checked: an <see cref="ArgumentException"/> names the first offending rule by its index (from 0,
    /// as in <see cref="Rules"/> and in the JSON array) and name — an empty or repeated name (ignoring case), an unknown
    /// detector, a pattern missing from a Regex rule or given to another, a pattern that is not a regular expression,
    /// that the non-backtracking engine does not support or that can match the empty string, text with a lone surrogate.
    /// </summary>
    public static MaskingRuleSet Create(IReadOnlyList<MaskingRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var checkedRules = new MaskingRule[rules.Count];
        var steps = new (Detector, string)[rules.Count];
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i] ?? throw new ArgumentException($"Masking rule {i}: the rule is missing (null).", nameof(rules));
            var problem = Check(rule, names, out var detector);
            if (problem is not null)
                throw new ArgumentException($"Masking rule {i} ({rule.Name}): {problem}", nameof(rules));
            names.Add(rule.Name, i);
            checkedRules[i] = rule with { Replacement = rule.EffectiveReplacement };
            steps[i] = (detector!, checkedRules[i].Replacement!);
        }
        return new MaskingRuleSet(checkedRules.AsReadOnly(), new Masker(steps));
    }

    /// <summary>
    /// The rules as a JSON array without whitespace, every rule written <c>{"name":…,"detector":…,"pattern":…,"replacement":…}</c>
    /// in that order (<c>pattern</c> only for Regex rules), detectors in lower case, replacements written out even when
    /// they are the defaults, strings escaped by <see cref="JsonText"/> alone so the text does not change with the runtime.
    /// </summary>
    public string ToCanonicalJson() => _canonicalJson;

    /// <summary>
    /// A rule set from JSON in the form <see cref="ToCanonicalJson"/> writes (any whitespace; detector names in any case;
    /// <c>pattern</c> and <c>replacement</c> may be absent or null). Anything else, and JSON that is not valid, is an
    /// <see cref="ArgumentException"/>, as is a rule <see cref="Create"/> refuses.
    /// </summary>
    public static MaskingRuleSet FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonLimits.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Masking rules are not valid JSON: {e.Message}", nameof(json), e);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Masking rules are not valid JSON text (a lone surrogate?): {e.Message}", nameof(json), e);
        }
        using (document)
            return Create(ReadRules(document.RootElement));
    }

    private static string? Check(MaskingRule rule, Dictionary<string, int> names, out Detector? detector)
    {
        detector = null;
        if (string.IsNullOrWhiteSpace(rule.Name))
            return "Name is empty.";
        if (rule.Name.Any(char.IsControl))
            return "Name contains a control character.";
        if (names.TryGetValue(rule.Name, out var other))
            return $"Name is already used by masking rule {other}.";
        if (TextRepair.HasLoneSurrogate(rule.Name) || (rule.Pattern is { } p && TextRepair.HasLoneSurrogate(p))
            || (rule.Replacement is { } r && TextRepair.HasLoneSurrogate(r)))
            return "Name, Pattern or Replacement contains a lone surrogate (half a UTF-16 pair), which has no UTF-8 form.";
        switch (rule.Detector)
        {
            case MaskingDetector.Regex:
                if (string.IsNullOrEmpty(rule.Pattern))
                    return "Pattern is required for a Regex rule.";
                detector = RegexDetector.TryCreate(rule.Pattern, out var problem);
                return problem;
            case MaskingDetector.Card or MaskingDetector.Ssn or MaskingDetector.Email or MaskingDetector.Phone or MaskingDetector.Iban:
                if (rule.Pattern is not null)
                    return $"Pattern is only for Regex rules, not for a {rule.Detector} rule.";
                detector = rule.Detector switch
                {
                    MaskingDetector.Card => CardDetector.Instance,
                    MaskingDetector.Ssn => SsnDetector.Instance,
                    MaskingDetector.Email => EmailDetector.Instance,
                    MaskingDetector.Phone => PhoneDetector.Instance,
                    _ => IbanDetector.Instance,
                };
                return null;
            default:
                return $"Detector {(int)rule.Detector} is not a known detector.";
        }
    }

    private static string WriteCanonical(IReadOnlyList<MaskingRule> rules)
    {
        var json = new StringBuilder("[");
        foreach (var rule in rules)
        {
            if (json.Length > 1)
                json.Append(',');
            JsonText.AppendQuoted(json.Append("{\"name\":"), rule.Name);
            JsonText.AppendQuoted(json.Append(",\"detector\":"), DetectorName(rule.Detector));
            if (rule.Pattern is not null)
                JsonText.AppendQuoted(json.Append(",\"pattern\":"), rule.Pattern);
            JsonText.AppendQuoted(json.Append(",\"replacement\":"), rule.EffectiveReplacement).Append('}');
        }
        return json.Append(']').ToString();
    }

    private static string DetectorName(MaskingDetector detector) => detector switch
    {
        MaskingDetector.Card => "card",
        MaskingDetector.Ssn => "ssn",
        MaskingDetector.Email => "email",
        MaskingDetector.Phone => "phone",
        MaskingDetector.Iban => "iban",
        _ => "regex",
    };

    private static MaskingDetector? ParseDetector(string name) => name.ToUpperInvariant() switch
    {
        "CARD" => MaskingDetector.Card,
        "SSN" => MaskingDetector.Ssn,
        "EMAIL" => MaskingDetector.Email,
        "PHONE" => MaskingDetector.Phone,
        "IBAN" => MaskingDetector.Iban,
        "REGEX" => MaskingDetector.Regex,
        _ => null,
    };

    private static List<MaskingRule> ReadRules(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Array)
            throw new ArgumentException("Masking rules must be a JSON array of rules.");
        var rules = new List<MaskingRule>();
        foreach (var element in root.EnumerateArray())
        {
            var i = rules.Count;
            if (element.ValueKind != JsonValueKind.Object)
                throw new ArgumentException($"Masking rule {i}: must be a JSON object.");
            string? name = null, detector = null, pattern = null, replacement = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                var key = property.NameOf(out var repaired);
                if (repaired)
                    throw new ArgumentException($"Masking rule {i}: a property name contains an escaped lone surrogate.");
                if (!seen.Add(key))
                    throw new ArgumentException($"Masking rule {i}: \"{key}\" is given twice.");
                var value = property.Value;
                switch (key)
                {
                    case "name": name = RequiredString(value, i, key); break;
                    case "detector": detector = RequiredString(value, i, key); break;
                    case "pattern": pattern = OptionalString(value, i, key); break;
                    case "replacement": replacement = OptionalString(value, i, key); break;
                    default: throw new ArgumentException($"Masking rule {i}: \"{key}\" is not a property of a rule (name, detector, pattern, replacement).");
                }
            }
            var label = name is null ? $"Masking rule {i}" : $"Masking rule {i} ({name})";
            if (name is null)
                throw new ArgumentException($"{label}: \"name\" is missing.");
            if (detector is null)
                throw new ArgumentException($"{label}: \"detector\" is missing.");
            var kind = ParseDetector(detector)
                       ?? throw new ArgumentException($"{label}: \"{detector}\" is not a detector (card, ssn, email, phone, iban, regex).");
            rules.Add(new MaskingRule(name, kind, pattern, replacement));
        }
        return rules;
    }

    private static string RequiredString(JsonElement value, int index, string key) =>
        value.ValueKind == JsonValueKind.String
            ? ReadString(value, index, key)
            : throw new ArgumentException($"Masking rule {index}: \"{key}\" must be a string.");

    private static string? OptionalString(JsonElement value, int index, string key) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => ReadString(value, index, key),
        _ => throw new ArgumentException($"Masking rule {index}: \"{key}\" must be a string or null."),
    };

    private static string ReadString(JsonElement value, int index, string key)
    {
        var text = value.AsString(out var repaired)!;
        return repaired
            ? throw new ArgumentException($"Masking rule {index}: \"{key}\" contains an escaped lone surrogate (half a UTF-16 pair).")
            : text;
    }
}
