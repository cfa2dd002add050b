using System.Security.Cryptography;
using System.Text;
using Archiver.Domain.Masking;

namespace Archiver.Domain.Tests.Masking;

/// <summary>
/// Rule sets: analysts' own patterns and replacements, rules applied in order, every invalid rule refused with its index
/// and name, and the canonical JSON that round-trips and whose hash identifies the rule set in force.
/// </summary>
public sealed class MaskingRulesTests
{
    private static readonly MaskingRule Card = new("card", MaskingDetector.Card);
    private static readonly MaskingRule Ssn = new("ssn", MaskingDetector.Ssn);

    [Fact]
    public void The_default_rule_set_is_the_five_built_ins_with_their_replacements_written_out()
    {
        Assert.Equal(
            [
                new MaskingRule("email", MaskingDetector.Email, null, "[email]"),
                new MaskingRule("iban", MaskingDetector.Iban, null, "[iban]"),
                new MaskingRule("card", MaskingDetector.Card, null, "[card]"),
                new MaskingRule("ssn", MaskingDetector.Ssn, null, "[ssn]"),
                new MaskingRule("phone", MaskingDetector.Phone, null, "[phone]"),
            ],
            MaskingRuleSet.Default.Rules);
    }

    [Fact]
    public void A_regex_rule_masks_its_pattern_with_its_name_or_its_own_replacement()
    {
        var byName = MaskingRuleSet.Create([new MaskingRule("order-id", MaskingDetector.Regex, "ORD-[0-9]{6}")]).Masker;
        var byReplacement = MaskingRuleSet.Create([new MaskingRule("order-id", MaskingDetector.Regex, "ORD-[0-9]{6}", "<order>")]).Masker;

        Assert.Equal("where is [order-id]? and ORD-12345?", byName.Mask("where is ORD-123456? and ORD-12345?"));
        Assert.Equal("where is <order>?", byReplacement.Mask("where is ORD-123456?"));
        Assert.Equal("ORD-12345 and ord-123456", byName.Mask("ORD-12345 and ord-123456"));
    }

    [Fact]
    public void A_replacement_is_literal_text_not_a_substitution()
    {
        var masker = MaskingRuleSet.Create([new MaskingRule("ticket", MaskingDetector.Regex, "T-([0-9]+)", "$1 $$")]).Masker;

        Assert.Equal("ticket $1 $$", masker.Mask("ticket T-42"));
    }

    [Fact]
    public void Rules_apply_in_order_and_a_later_rule_sees_the_earlier_rules_replacements()
    {
        var digitsFirst = MaskingRuleSet.Create([new MaskingRule("digits", MaskingDetector.Regex, "[0-9]+", "#"), Card]).Masker;
        var cardFirst = MaskingRuleSet.Create([Card, new MaskingRule("digits", MaskingDetector.Regex, "[0-9]+", "#")]).Masker;
        var relabel = MaskingRuleSet.Create([Card, new MaskingRule("relabel", MaskingDetector.Regex, @"\[card\]", "[redacted]")]).Masker;

        Assert.Equal("card # # # #, exp #/#", digitsFirst.Mask("card 4111 1111 1111 1111, exp 12/27"));
        Assert.Equal("card [card], exp #/#", cardFirst.Mask("card 4111 1111 1111 1111, exp 12/27"));
        Assert.Equal("card [redacted]", relabel.Mask("card 4111 1111 1111 1111"));
    }

    [Fact]
    public void A_rule_set_without_rules_masks_nothing()
    {
        var masker = MaskingRuleSet.Create([]).Masker;
        const string text = "4111 1111 1111 1111";

        Assert.Same(text, masker.Mask(text));
        Assert.Same(text, masker.MaskJson(text));
    }

    [Theory]
    [InlineData("order-ids", MaskingDetector.Regex, "ORD-[0-9", "Masking rule 2 (order-ids): Pattern is not a valid regular expression: ")]
    [InlineData("order-ids", MaskingDetector.Regex, null, "Masking rule 2 (order-ids): Pattern is required for a Regex rule.")]
    [InlineData("order-ids", MaskingDetector.Regex, "", "Masking rule 2 (order-ids): Pattern is required for a Regex rule.")]
    [InlineData("phone", MaskingDetector.Phone, "[0-9]+", "Masking rule 2 (phone): Pattern is only for Regex rules, not for a Phone rule.")]
    [InlineData("repeat", MaskingDetector.Regex, @"(ab)\1", "Masking rule 2 (repeat): Pattern is not supported by the non-backtracking engine")]
    [InlineData("look", MaskingDetector.Regex, "ORD-(?=[0-9])", "Masking rule 2 (look): Pattern is not supported by the non-backtracking engine")]
    [InlineData("behind", MaskingDetector.Regex, "(?<!x)ORD", "Masking rule 2 (behind): Pattern is not supported by the non-backtracking engine")]
    [InlineData("atomic", MaskingDetector.Regex, "(?>a+)b", "Masking rule 2 (atomic): Pattern is not supported by the non-backtracking engine")]
    [InlineData("huge", MaskingDetector.Regex, "[0-9]{1,50000}x", "Masking rule 2 (huge): Pattern is not supported by the non-backtracking engine")]
    [InlineData("stars", MaskingDetector.Regex, "a*", "Masking rule 2 (stars): Pattern can match the empty string")]
    [InlineData("maybe", MaskingDetector.Regex, "(ORD-[0-9]{6})?", "Masking rule 2 (maybe): Pattern can match the empty string")]
    [InlineData("edge", MaskingDetector.Regex, @"\b", "Masking rule 2 (edge): Pattern can match the empty string")]
    [InlineData("line", MaskingDetector.Regex, "(?m)^$", "Masking rule 2 (line): Pattern can match the empty string")]
    [InlineData("either", MaskingDetector.Regex, "x|", "Masking rule 2 (either): Pattern can match the empty string")]
    [InlineData("card", MaskingDetector.Card, null, "Masking rule 2 (card): Name is already used by masking rule 0.")]
    [InlineData("SSN", MaskingDetector.Ssn, null, "Masking rule 2 (SSN): Name is already used by masking rule 1.")]
    [InlineData("", MaskingDetector.Card, null, "Masking rule 2 (): Name is empty.")]
    [InlineData("  ", MaskingDetector.Card, null, "Masking rule 2 (  ): Name is empty.")]
    [InlineData("a\nb", MaskingDetector.Card, null, "Masking rule 2 (a\nb): Name contains a control character.")]
    [InlineData("odd", (MaskingDetector)42, null, "Masking rule 2 (odd): Detector 42 is not a known detector.")]
    public void An_invalid_rule_is_refused_with_its_index_and_name(string name, MaskingDetector detector, string? pattern, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => MaskingRuleSet.Create([Card, Ssn, new MaskingRule(name, detector, pattern)]));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_rule_or_text_with_a_lone_surrogate_is_refused_with_its_index()
    {
        var missing = Assert.Throws<ArgumentException>(() => MaskingRuleSet.Create([Card, null!]));
        var halfEmoji = Assert.Throws<ArgumentException>(() => MaskingRuleSet.Create([new MaskingRule("x", MaskingDetector.Card, null, "[\uD83D]")]));

        Assert.StartsWith("Masking rule 1: the rule is missing", missing.Message, StringComparison.Ordinal);
        Assert.StartsWith("Masking rule 0 (x): Name, Pattern or Replacement contains a lone surrogate", halfEmoji.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_canonical_json_is_compact_in_a_fixed_order_with_lower_case_detectors_and_replacements_written_out()
    {
        var rules = MaskingRuleSet.Create(
        [
            new MaskingRule("card", MaskingDetector.Card),
            new MaskingRule("order-id", MaskingDetector.Regex, @"ORD-\d{6}", "\"order\"\t"),
        ]);

        Assert.Equal(
            """[{"name":"card","detector":"card","replacement":"[card]"},{"name":"order-id","detector":"regex","pattern":"ORD-\\d{6}","replacement":"\"order\"\t"}]""",
            rules.ToCanonicalJson());
        Assert.Equal(
            """[{"name":"email","detector":"email","replacement":"[email]"},{"name":"iban","detector":"iban","replacement":"[iban]"},{"name":"card","detector":"card","replacement":"[card]"},{"name":"ssn","detector":"ssn","replacement":"[ssn]"},{"name":"phone","detector":"phone","replacement":"[phone]"}]""",
            MaskingRuleSet.Default.ToCanonicalJson());
    }

    [Fact]
    public void The_canonical_json_round_trips()
    {
        var rules = MaskingRuleSet.Create(
        [
            new MaskingRule("email", MaskingDetector.Email, Replacement: "<mail>"),
            new MaskingRule("order-id", MaskingDetector.Regex, @"ORD-\d{6}|\\ \u00e9 ""q"""),
            new MaskingRule("café ☕ 😀", MaskingDetector.Regex, "☕+", "\u0001"),
        ]);

        var read = MaskingRuleSet.FromJson(rules.ToCanonicalJson());

        Assert.Equal(rules.Rules, read.Rules);
        Assert.Equal(rules.ToCanonicalJson(), read.ToCanonicalJson());
        Assert.Equal(rules.Id, read.Id);
        Assert.Equal("a [[order-id]] \u0001 <mail>", read.Masker.Mask("a [ORD-123456] ☕☕ jane@example.com"));
    }

    [Fact]
    public void The_id_is_the_start_of_the_sha256_of_the_canonical_json()
    {
        foreach (var rules in new[] { MaskingRuleSet.Default, MaskingRuleSet.Create([new MaskingRule("order-id", MaskingDetector.Regex, "ORD-[0-9]{6}")]) })
        {
            var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rules.ToCanonicalJson())))[..16];
            Assert.Equal(expected, rules.Id);
        }
    }

    [Fact]
    public void The_id_is_the_same_for_the_same_rules_however_written_and_different_for_different_rules()
    {
        var implicitReplacement = MaskingRuleSet.Create([Card, Ssn]);
        var explicitReplacement = MaskingRuleSet.Create([Card with { Replacement = "[card]" }, Ssn with { Replacement = "[ssn]" }]);
        var spacedJson = MaskingRuleSet.FromJson("""
            [ { "detector": "CARD", "name": "card" },
              { "name": "ssn", "detector": "ssn", "pattern": null, "replacement": null } ]
            """);

        Assert.Equal(implicitReplacement.Id, explicitReplacement.Id);
        Assert.Equal(implicitReplacement.Id, spacedJson.Id);
        Assert.NotEqual(implicitReplacement.Id, MaskingRuleSet.Create([Ssn, Card]).Id);
        Assert.NotEqual(implicitReplacement.Id, MaskingRuleSet.Create([Card, Ssn with { Replacement = "***" }]).Id);
        Assert.NotEqual(implicitReplacement.Id, MaskingRuleSet.Default.Id);
    }

    [Fact]
    public void The_masker_is_built_once_per_rule_set()
    {
        var rules = MaskingRuleSet.Create([Card]);

        Assert.Same(rules.Masker, rules.Masker);
        Assert.Same(MaskingRuleSet.Default, MaskingRuleSet.Default);
        Assert.Same(MaskingRuleSet.Default.Masker, MaskingRuleSet.Default.Masker);
    }

    [Theory]
    [InlineData("not json", "Masking rules are not valid JSON")]
    [InlineData("[{\"name\":\"card\",\"detector\":\"card\"}", "Masking rules are not valid JSON")]
    [InlineData("{\"name\":\"card\",\"detector\":\"card\"}", "Masking rules must be a JSON array of rules.")]
    [InlineData("[\"card\"]", "Masking rule 0: must be a JSON object.")]
    [InlineData("[{\"detector\":\"card\"}]", "Masking rule 0: \"name\" is missing.")]
    [InlineData("[{\"name\":\"card\"}]", "Masking rule 0 (card): \"detector\" is missing.")]
    [InlineData("[{\"name\":\"card\",\"detector\":\"visa\"}]", "Masking rule 0 (card): \"visa\" is not a detector")]
    [InlineData("[{\"name\":\"card\",\"detector\":\"0\"}]", "Masking rule 0 (card): \"0\" is not a detector")]
    [InlineData("[{\"name\":\"card\",\"detector\":\"card\",\"replacment\":\"x\"}]", "Masking rule 0: \"replacment\" is not a property of a rule")]
    [InlineData("[{\"name\":\"card\",\"name\":\"x\",\"detector\":\"card\"}]", "Masking rule 0: \"name\" is given twice.")]
    [InlineData("[{\"name\":1,\"detector\":\"card\"}]", "Masking rule 0: \"name\" must be a string.")]
    [InlineData("[{\"name\":\"x\",\"detector\":\"card\",\"replacement\":5}]", "Masking rule 0: \"replacement\" must be a string or null.")]
    [InlineData("[{\"name\":\"\\ud800\",\"detector\":\"card\"}]", "Masking rule 0: \"name\" contains an escaped lone surrogate")]
    [InlineData("[{\"name\":\"card\",\"detector\":\"card\"},{\"name\":\"order-ids\",\"detector\":\"regex\",\"pattern\":\"ORD-[0-9\"}]",
        "Masking rule 1 (order-ids): Pattern is not a valid regular expression: ")]
    public void Json_that_is_not_a_valid_rule_set_is_refused_naming_the_rule(string json, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => MaskingRuleSet.FromJson(json));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
