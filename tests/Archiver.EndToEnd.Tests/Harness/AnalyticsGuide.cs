using System.Text.RegularExpressions;
using Archiver.Testing;

namespace Archiver.EndToEnd.Tests.Harness;

/// <summary>docs/analytics.md as the tests read it: its SQL blocks, and the columns its sections document.</summary>
public static partial class AnalyticsGuide
{
    private static string Text() => File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "analytics.md"));

    /// <summary>
    /// Every fenced block whose info string starts with <c>sql</c>: the role it is for (<c>analyst</c> unless it says
    /// <c>compliance</c> or <c>admin</c>), its text and the line it starts on.
    /// </summary>
    public static IReadOnlyList<(string Role, string Sql, int Line)> SqlBlocks()
    {
        var text = Text();
        return SqlBlock().Matches(text).Select(m => (
            Role: m.Groups["role"].Value is { Length: > 0 } role ? role : "analyst",
            Sql: m.Groups["sql"].Value,
            Line: text[..m.Index].Count(c => c == '\n') + 1)).ToList();
    }

    /// <summary>
    /// For each section headed <c>### `readmodel.X` — …</c>, the columns its table names: every backticked name in the
    /// first cell of each row (a cell may name several: <c>`dialog_id`, `sequence`</c>).
    /// </summary>
    public static IReadOnlyDictionary<string, HashSet<string>> DocumentedColumns()
    {
        var sections = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string>? current = null;
        foreach (var line in Text().Split('\n'))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
                current = null;
            var heading = Section().Match(line);
            if (heading.Success)
            {
                sections[heading.Groups[1].Value] = current = new HashSet<string>(StringComparer.Ordinal);
                continue;
            }
            if (current is null || !line.StartsWith("| `", StringComparison.Ordinal))
                continue;
            var firstCell = line.Split('|')[1];
            foreach (Match name in Backticked().Matches(firstCell))
                current.Add(name.Groups[1].Value);
        }
        return sections;
    }

    [GeneratedRegex(@"```sql(?:[ \t]+(?<role>\w+))?[ \t]*\r?\n(?<sql>.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();

    [GeneratedRegex(@"^### `readmodel\.(\w+)`")]
    private static partial Regex Section();

    [GeneratedRegex(@"`(\w+)`")]
    private static partial Regex Backticked();
}
