using Archiver.Domain.Hashing;
using Archiver.Domain.Masking;

namespace Archiver.Domain.Tests.Masking;

/// <summary>
/// Rich content (structured-content cards, buttons, links): every string value masked wherever it is nested, property
/// names and numbers never, the document written back compact only when something changed; text that is not JSON is
/// still masked, as text.
/// </summary>
public sealed class MaskJsonTests
{
    private static readonly Masker Masker = MaskingRuleSet.Default.Masker;

    [Fact]
    public void Every_string_value_of_a_structured_content_card_is_masked_wherever_it_is_nested()
    {
        const string card = """
            {"type":"vertical","elements":[{"type":"text","text":"Card 4111 1111 1111 1111"},{"type":"button","title":"Call +1 415 555 0132","click":{"actions":[{"type":"link","uri":"mailto:jane@example.com"}]}}]}
            """;

        Assert.Equal(
            """{"type":"vertical","elements":[{"type":"text","text":"Card [card]"},{"type":"button","title":"Call [phone]","click":{"actions":[{"type":"link","uri":"mailto:[email]"}]}}]}""",
            Masker.MaskJson(card));
    }

    [Fact]
    public void Property_names_are_never_masked()
    {
        Assert.Equal(
            """{"jane@example.com":"[email]","4111 1111 1111 1111":{"415-555-0132":"[phone]"}}""",
            Masker.MaskJson("""{"jane@example.com":"jane@example.com","4111 1111 1111 1111":{"415-555-0132":"415-555-0132"}}"""));
    }

    [Fact]
    public void A_changed_document_is_written_compact_with_its_numbers_literals_and_other_strings_exactly_as_they_were()
    {
        const string json = """
            {
              "n": -1.50e3, "big": 4111111111111111, "t": true, "f": false, "z": null,
              "accent": "caf\u00e9", "raw": "café", "e": "write to a@b.co", "list": [ 1 , "x" , [] , {} ]
            }
            """;

        var masked = Masker.MaskJson(json);

        Assert.Equal(
            """{"n":-1.50e3,"big":4111111111111111,"t":true,"f":false,"z":null,"accent":"caf\u00e9","raw":"café","e":"write to [email]","list":[1,"x",[],{}]}""",
            masked);
        Assert.True(JsonContent.IsValid(masked));
    }

    [Fact]
    public void Escaped_text_is_masked_as_the_text_it_stands_for_and_what_is_written_back_is_escaped_again()
    {
        Assert.Equal(
            """{"t":"[phone]","q":"\"[card]\"\n","s":"\ud800 [email]"}""",
            Masker.MaskJson("""{"t":"\u002B1 415 555 0132","q":"\"4111111111111111\"\n","s":"\ud800 jane@example.com"}"""));
    }

    [Theory]
    [InlineData("""{"type":"vertical","elements":[{"type":"text","text":"Order #48213 shipped 2024-05-01"}]}""")]
    [InlineData("""  { "spaced" : [ 1, 2 ] }  """)] // not compacted: nothing changed
    [InlineData("""{"jane@example.com":1}""")]
    [InlineData("""{"a":"\ud83d"}""")]
    [InlineData("[]")]
    [InlineData("\"hello\"")]
    [InlineData("4111111111111111")] // a number, not a string value
    [InlineData("")]
    public void A_document_nothing_matched_in_is_returned_as_the_same_instance(string json) => Assert.Same(json, Masker.MaskJson(json));

    [Fact]
    public void Null_is_null() => Assert.Null(Masker.MaskJson(null));

    [Theory]
    [InlineData("not json: call 415-555-0132", "not json: call [phone]")]
    [InlineData("""{"text":"4111 1111 1111 1111" """, """{"text":"[card]" """)] // cut short
    [InlineData("""{"a":1} {"b":"jane@example.com"}""", """{"a":1} {"b":"[email]"}""")] // two values
    [InlineData("""{'text':'4111 1111 1111 1111'}""", """{'text':'[card]'}""")]
    [InlineData("""{"text":"4111 1111 1111 1111",}""", """{"text":"[card]",}""")] // trailing comma
    public void Text_that_is_not_json_is_masked_as_plain_text(string text, string masked) => Assert.Equal(masked, Masker.MaskJson(text));

    [Fact]
    public void A_raw_lone_surrogate_makes_the_text_not_json_and_it_is_masked_as_plain_text()
    {
        var json = "{\"t\":\"\uD800 4111 1111 1111 1111\"}";

        Assert.Equal("{\"t\":\"\uD800 [card]\"}", Masker.MaskJson(json));
    }

    [Fact]
    public void A_document_at_the_depth_limit_is_masked_as_json_and_one_level_deeper_as_text()
    {
        // 256 (JsonLimits.MaxDepth) containers; the key is left as it is only when the text is read as JSON.
        var atLimit = new string('[', 255) + """{"jane@example.com":"jane@example.com"}""" + new string(']', 255);
        var deeper = "[" + atLimit + "]";

        Assert.Equal(new string('[', 255) + """{"jane@example.com":"[email]"}""" + new string(']', 255), Masker.MaskJson(atLimit));
        Assert.Equal(new string('[', 256) + """{"[email]":"[email]"}""" + new string(']', 256), Masker.MaskJson(deeper));
    }
}
