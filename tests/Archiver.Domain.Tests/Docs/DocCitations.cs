using System.Text.RegularExpressions;

namespace Archiver.Domain.Tests.Docs;

public sealed record DocCitationProblem(string File, int Line, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Message}";
}

/// <summary>
/// Checks section citations in source: every section sign must follow the document it cites
/// (<c>docs/protocol.md</c> and a section number), earlier on the same line or earlier in the same run of comment lines;
/// the document must exist in docs/ and have a heading with that number (<c>## 3.</c> or <c>### 14.6</c>).
/// </summary>
public static partial class DocCitations
{
    /// <summary>The section numbers a markdown document's headings give: "## 3. Envelope" → 3, "### 14.6 Identities" → 14.6.</summary>
    public static IReadOnlySet<string> Sections(string markdown) =>
        Heading().Matches(markdown).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>docs/*.md of a repository, keyed as code cites them ("docs/protocol.md").</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Documents(string root) =>
        Directory.GetFiles(Path.Combine(root, "docs"), "*.md")
            .ToDictionary(p => "docs/" + Path.GetFileName(p), p => Sections(File.ReadAllText(p)), StringComparer.Ordinal);

    public static IReadOnlyList<DocCitationProblem> Check(string file, string source, IReadOnlyDictionary<string, IReadOnlySet<string>> documents)
    {
        var problems = new List<DocCitationProblem>();
        string? document = null;
        var previousWasComment = false;
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var isComment = line.TrimStart().StartsWith("//", StringComparison.Ordinal)
                || line.TrimStart().StartsWith('*');
            if (!(isComment && previousWasComment))
                document = null; // a citation's document is named in its own comment, not in one above it
            foreach (Match m in Token().Matches(line))
            {
                if (m.Groups["doc"].Success)
                {
                    document = m.Groups["doc"].Value;
                    continue;
                }
                var section = m.Groups["section"].Value;
                if (document is null)
                    problems.Add(new(file, i + 1, $"\u00A7{section} does not name its document (write docs/NAME.md \u00A7{section})"));
                else if (!documents.TryGetValue(document, out var sections))
                    problems.Add(new(file, i + 1, $"{document} \u00A7{section}: {document} is not in docs/"));
                else if (!sections.Contains(section))
                    problems.Add(new(file, i + 1, $"{document} has no \u00A7{section}"));
            }
            previousWasComment = isComment;
            if (!isComment)
                document = null;
        }
        return problems;
    }

    /// <summary>Every .cs file under src/, tests/ and bench/, outside bin/ and obj/, checked.</summary>
    public static (IReadOnlyList<DocCitationProblem> Problems, int Citations) CheckRepository(string root)
    {
        var documents = Documents(root);
        var problems = new List<DocCitationProblem>();
        var citations = 0;
        foreach (var top in new[] { "src", "tests", "bench" })
        {
            var dir = Path.Combine(root, top);
            if (!Directory.Exists(dir))
                continue;
            foreach (var path in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
                if (relative.Split('/').Any(part => part is "bin" or "obj"))
                    continue;
                var source = File.ReadAllText(path);
                citations += Token().Matches(source).Count(m => m.Groups["section"].Success);
                problems.AddRange(Check(relative, source, documents));
            }
        }
        return (problems, citations);
    }

    [GeneratedRegex(@"^#{1,6}[ \t]+(\d+(?:\.\d+)*)\.?[ \t]", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"(?<doc>docs/[A-Za-z0-9_.-]+\.md)|\u00A7\s*(?<section>\d+(?:\.\d+)*)")]
    private static partial Regex Token();
}
