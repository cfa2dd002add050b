using System.Text.Json;
using Archiver.Worker.Cli;

namespace Archiver.Worker.Tests.Cli;

/// <summary><see cref="TerminalText"/>: what reaches a terminal from the archive can print, never act.</summary>
public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("plain text, ünïcödé, 👍 ありがとう", "plain text, ünïcödé, 👍 ありがとう")]
    [InlineData("\u001b[31mred\u001b[0m", "^[[31mred^[[0m")]
    [InlineData("\u001b]8;;http://evil\u0007click\u001b]8;;\u0007", "^[]8;;http://evil^Gclick^[]8;;^G")]
    [InlineData("a\r\nb\nc\rd\u0085e\u2028f\u2029g", "a⏎b⏎c⏎d⏎e⏎f⏎g")]
    [InlineData("tab\there", "tab here")]
    [InlineData("nul\u0000 bs\u0008 del\u007f", "nul^@ bs^H del^?")]
    [InlineData("c1 \u009b2J \u0080 \u009f", "c1 \uFFFD2J \uFFFD \uFFFD")]
    [InlineData("\u202Aa\u202Bb\u202Cc\u202Dd\u202Ee\u2066f\u2067g\u2068h\u2069", "\uFFFDa\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh\uFFFD")]
    [InlineData("[red]markup[/]", "[red]markup[/]")]
    public void Clean_replaces_what_a_terminal_would_act_on_with_something_visible(string text, string shown) =>
        Assert.Equal(shown, TerminalText.Clean(text));

    [Fact]
    public void Lone_surrogates_become_replacement_characters_and_pairs_stay()
    {
        Assert.Equal("a\uFFFDb\uFFFDc😀", TerminalText.Clean("a\ud800b\udc00c😀"));
        Assert.Equal("end\uFFFD", TerminalText.Clean("end\ud83d"));
        Assert.Equal("\uFFFD\uFFFD", TerminalText.Clean("\udc00\ud800")); // a low before a high is no pair
    }

    [Fact]
    public void Safe_text_is_returned_as_it_is_and_null_is_empty()
    {
        const string safe = "09:00:14  consumer 949764e4: Hi  ✓✓";
        Assert.Same(safe, TerminalText.Clean(safe));
        Assert.Equal("", TerminalText.Clean(null));
    }

    [Fact]
    public void Json_escapes_what_the_serialiser_left_raw_and_keeps_the_value()
    {
        var value = new { text = "bidi \u202Efdp.exe\u202C \u2066x\u2069 \u001b[31m\u009b 👍" };
        var json = JsonSerializer.Serialize(value, Archiver.Worker.ReadSide.ConversationDocument.Json);

        var escaped = TerminalText.Json(json);

        Assert.Equal(escaped, TerminalText.Clean(escaped)); // nothing a terminal acts on is left
        Assert.Contains("\\u202E", escaped, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(escaped);
        Assert.Equal(value.text, document.RootElement.GetProperty("text").GetString());
    }
}
