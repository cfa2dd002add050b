using Archiver.Domain.Hashing;

namespace Archiver.Domain.Tests.Hashing;

public sealed class JsonContentTests
{
    [Theory]
    [InlineData("""{"a":1,"b":[1,2]}""", """{ "b": [1, 2], "a": 1 }""")]
    [InlineData("""{"m":"caf\u00e9"}""", """{"m":"café"}""")]
    public void Key_order_spacing_and_escapes_do_not_make_content_different(string left, string right) =>
        Assert.True(JsonContent.AreEquivalent(left, right));

    [Theory]
    [InlineData("""{"a":1}""", """{"a":2}""")]
    [InlineData("""{"a":1}""", """{"a":1,"b":null}""")]
    [InlineData("""{"a":[1,2]}""", """{"a":[2,1]}""")]
    public void Different_values_fields_or_array_order_are_different_content(string left, string right) =>
        Assert.False(JsonContent.AreEquivalent(left, right));

    [Theory]
    [InlineData("{}", true)]
    [InlineData("""{"a":"\u0000"}""", true)]
    [InlineData("[1]", true)]
    [InlineData("{", false)]
    [InlineData("{} {}", false)]
    [InlineData("", false)]
    [InlineData("{'a':1}", false)]
    public void Only_one_well_formed_JSON_value_is_valid(string text, bool valid) =>
        Assert.Equal(valid, JsonContent.IsValid(text));
}
