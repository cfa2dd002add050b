using System.Text.RegularExpressions;

namespace Archiver.Domain.Masking;

/// <summary>
/// An analyst's own pattern, run by the non-backtracking engine: its time is linear in the text whatever the pattern,
/// so a rule someone adds cannot stall ingestion on a hostile message (the backtracking engine can take exponential time
/// on <c>(a+)+b</c>). Every match is replaced; the patterns <see cref="MaskingRuleSet.Create"/> accepts cannot match
/// the empty string.
/// </summary>
internal sealed class RegexDetector : Detector
{
    public const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    private readonly Regex _regex;

    private RegexDetector(Regex regex) => _regex = regex;

    protected override Regex Candidates => _regex;

    /// <summary>The detector for <paramref name="pattern"/>, or the reason there cannot be one.</summary>
    public static RegexDetector? TryCreate(string pattern, out string? problem)
    {
        Regex regex;
        try
        {
            regex = new Regex(pattern, Options, Regex.InfiniteMatchTimeout);
        }
        catch (NotSupportedException e)
        {
            problem = $"Pattern is not supported by the non-backtracking engine (it refuses backreferences, lookarounds, atomic groups, conditionals, \\G, and patterns whose automaton would be too large): {e.Message}";
            return null;
        }
        catch (ArgumentException e)
        {
            problem = $"Pattern is not a valid regular expression: {e.Message}";
            return null;
        }
        if (CanMatchEmpty(regex))
        {
            problem = "Pattern can match the empty string; it must always match at least one character.";
            return null;
        }
        problem = null;
        return new RegexDetector(regex);
    }

    protected override void Confirm(string text, int index, int length, ref MaskedText output) => output.Replace(index, length);

    /// <summary>
    /// Whether the pattern can match nothing. Without lookarounds, whether an empty match is possible at a position
    /// depends only on the anchors (<c>^ $ \A \z \Z \b \B</c>), that is on the start and end of the text, line breaks and
    /// word characters around it; the probes hold each such context and the pattern is tried from every position of each.
    /// (An empty match the masker meets anyway is skipped, never replaced.)
    /// </summary>
    private static bool CanMatchEmpty(Regex regex)
    {
        foreach (var probe in EmptyMatchProbes)
        {
            for (var start = 0; start <= probe.Length; start++)
            {
                var match = regex.Match(probe, start);
                if (match.Success && match.Length == 0)
                    return true;
            }
        }
        return false;
    }

    private static readonly string[] EmptyMatchProbes =
    [
        "", "a", " ", "0", "\n", "aa", "a ", " a", "  ", "a\n", "\na", "\n\n", " \n", "\n ",
        "a a", " a ", "a\na", "\na\n", "a0 b\r\nc-d.e", "aa\n",
    ];
}
