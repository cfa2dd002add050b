using System.Text;
using Archiver.Domain.Hashing;
using Archiver.Domain.Masking;
using Archiver.Domain.Tests.Fuzz;

namespace Archiver.Domain.Tests.Masking;

/// <summary>
/// Masking runs on every archived message, whatever a server or a customer sent: NUL, lone surrogates, megabytes of
/// digits, JSON nested ten thousand deep. None of it throws, and all of it is masked (no timing is asserted: the
/// detectors are linear by construction, and a quadratic one would not finish these in any test run).
/// </summary>
public sealed class HostileMaskingTests
{
    private const int FiveMegabytes = 5 * 1024 * 1024;

    private static readonly Masker Masker = MaskingRuleSet.Default.Masker;

    private static string Repeat(string unit, int length)
    {
        var text = new StringBuilder(length + unit.Length);
        while (text.Length < length)
            text.Append(unit);
        return text.ToString();
    }

    [Theory]
    [InlineData("\0")]
    [InlineData("\uD800")]
    [InlineData("\uDC00\uD800")]
    [InlineData("\uD83D\uDE00 emoji \0 and NUL")]
    [InlineData("4111\01111\01111\01111")]
    [InlineData("+\uD800 555 0132")]
    public void Nul_and_lone_surrogates_are_masked_around_and_never_throw(string text) => Assert.Same(text, Masker.Mask(text));

    [Fact]
    public void Sensitive_values_beside_nul_and_lone_surrogates_are_masked_and_those_characters_kept()
    {
        Assert.Equal("\0[card]\uD800 [ssn]\uDC00", Masker.Mask("\04111 1111 1111 1111\uD800 123-45-6789\uDC00"));
        Assert.Equal("\uD83D\uDE00[email]\uD83D", Masker.Mask("\uD83D\uDE00jane@example.com\uD83D"));
    }

    [Fact]
    public void Five_megabytes_of_digits_are_one_number_and_nothing_is_masked()
    {
        var digits = Repeat("0123456789", FiveMegabytes);

        Assert.Same(digits, Masker.Mask(digits));
        Assert.Same(digits, Masker.MaskJson(digits)); // a JSON number: never masked
    }

    [Fact]
    public void Five_megabytes_of_one_card_group_repeated_are_not_a_card()
    {
        var text = Repeat("4111 ", FiveMegabytes); // "4111 4111 4111 4111" fails the Luhn check

        Assert.Same(text, Masker.Mask(text));
    }

    [Fact]
    public void Five_megabytes_of_card_numbers_are_masked_one_by_one()
    {
        var text = Repeat("4111 1111 1111 1111 ", FiveMegabytes);

        Assert.Equal(Repeat("[card] ", text.Length / 20 * 7), Masker.Mask(text));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("a@")]
    [InlineData("a.")]
    [InlineData("+1 ")]
    [InlineData("4-")]
    [InlineData("415 ")]
    [InlineData("(415) ")]
    [InlineData("123-45-")]
    [InlineData("DE89")]
    [InlineData("DE89 ")]
    [InlineData("\0\uD800")]
    public void Five_megabytes_of_a_repeated_fragment_are_masked_without_failing(string fragment)
    {
        var text = Repeat(fragment, FiveMegabytes);

        var masked = Masker.Mask(text);

        Assert.NotNull(masked);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("a.")]
    [InlineData("1")]
    public void A_huge_address_or_number_around_an_at_sign_or_a_plus_is_read_once(string fragment)
    {
        var local = Repeat(fragment, FiveMegabytes / 2);

        Assert.NotNull(Masker.Mask(local + "@"));
        Assert.NotNull(Masker.Mask("x@" + local));
        Assert.NotNull(Masker.Mask("+" + local));
    }

    [Fact]
    public void Json_nested_ten_thousand_deep_is_masked_as_text()
    {
        var json = new string('[', 10_000) + "\"4111 1111 1111 1111\"" + new string(']', 10_000);
        var objects = Repeat("{\"a\":", 50_000) + "1" + new string('}', 10_000);

        Assert.Equal(new string('[', 10_000) + "\"[card]\"" + new string(']', 10_000), Masker.MaskJson(json));
        Assert.Same(objects, Masker.MaskJson(objects));
    }

    [Fact]
    public void A_five_megabyte_json_string_value_is_masked()
    {
        var value = Repeat("call +1 415 555 0132 ", FiveMegabytes);

        var masked = Masker.MaskJson("{\"text\":\"" + value + "\"}");

        Assert.Equal("{\"text\":\"" + Repeat("call [phone] ", value.Length / 21 * 13) + "\"}", masked);
    }

    [Fact]
    public void Every_hostile_string_and_container_in_rich_content_is_masked_without_failing_and_the_result_is_json()
    {
        foreach (var token in Hostile.Strings.Concat(Hostile.Containers).Concat(Hostile.Numbers))
        {
            var json = $$"""{"type":"vertical","elements":[{"type":"text","text":{{token}},"title":"card 4111 1111 1111 1111"}]}""";

            var masked = Masker.MaskJson(json)!;

            Assert.Contains("\"title\":\"card [card]\"", masked, StringComparison.Ordinal);
            Assert.True(JsonContent.IsValid(masked), masked);
        }
    }

    [Fact]
    public void Random_text_from_the_characters_detectors_care_about_never_throws()
    {
        const string alphabet = "0123456789 -+().@_%/:#$,aZeE\0\uD800\uDC00\n\"\\[]{}";
        var random = new Random(20240501);
        for (var i = 0; i < 2_000; i++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(1, 120)).Select(_ => alphabet[random.Next(alphabet.Length)])]);

            Assert.NotNull(Masker.Mask(text));
            Assert.NotNull(Masker.MaskJson(text));
            Assert.NotNull(Masker.MaskJson("{\"t\":\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"}"));
        }
    }
}
