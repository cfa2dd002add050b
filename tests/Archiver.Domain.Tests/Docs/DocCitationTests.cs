using Archiver.Testing;

namespace Archiver.Domain.Tests.Docs;

/// <summary>Code comments cite sections of this repository's docs/ that exist (docs/architecture.md §9).</summary>
public sealed class DocCitationTests
{
    private static readonly Dictionary<string, IReadOnlySet<string>> Documents = new(StringComparer.Ordinal)
    {
        ["docs/protocol.md"] = new HashSet<string> { "2", "2.3", "14", "14.6" },
        ["docs/architecture.md"] = new HashSet<string> { "7" },
    };

    [Fact]
    public void Every_section_cited_in_the_code_exists_in_docs()
    {
        var (problems, citations) = DocCitations.CheckRepository(RepositoryPaths.Root);
        Assert.True(citations > 0, "no section citations found: the scan looked in the wrong place");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void The_documents_the_code_cites_have_numbered_sections()
    {
        var documents = DocCitations.Documents(RepositoryPaths.Root);
        Assert.Contains("14.6", documents["docs/protocol.md"]);
        Assert.Contains("2.3", documents["docs/protocol.md"]);
        Assert.Contains("7", documents["docs/architecture.md"]);
    }

    [Theory]
    [InlineData("/// the server closes idle sockets (docs/protocol.md \u00A72.3, \u00A714.6).")]
    [InlineData("// docs/architecture.md \u00A77: back pressure")]
    [InlineData("var x = 1; // docs/protocol.md \u00A714")]
    [InlineData("/// One socket (docs/protocol.md \u00A72): kept alive,\n/// and bounded (\u00A714.6).")]
    public void A_citation_of_an_existing_section_passes(string source) =>
        Assert.Empty(DocCitations.Check("Planted.cs", source, Documents));

    [Theory]
    [InlineData("// wait a second after a 429 (\u00A77)", "does not name its document")]
    [InlineData("// see the spec \u00A72.3", "does not name its document")]
    [InlineData("// design \u00A75: rebuilds must be fast", "does not name its document")]
    [InlineData("// docs/protocol.md \u00A799", "docs/protocol.md has no \u00A799")]
    [InlineData("// docs/protocol.md \u00A72.5", "docs/protocol.md has no \u00A72.5")]
    [InlineData("// docs/design.md \u00A71", "docs/design.md is not in docs/")]
    [InlineData("var a = 1; // docs/protocol.md \u00A72\n// and also \u00A72.3", "does not name its document")]
    [InlineData("// docs/protocol.md \u00A72\n\n// \u00A72.3", "does not name its document")]
    public void A_bad_citation_fails_naming_its_line(string source, string message)
    {
        var problems = DocCitations.Check("Planted.cs", source, Documents);
        var problem = Assert.Single(problems);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Equal(source.Split('\n').Length, problem.Line);
        Assert.StartsWith($"Planted.cs:{problem.Line}: ", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Headings_give_their_section_numbers()
    {
        var sections = DocCitations.Sections("# Title\n\n## 1. Endpoints\n### 2.4 Close codes\n## 14. Decisions\n### 14.6 Identities\n## Notes\n1. a list item\n");
        Assert.Equal(new HashSet<string> { "1", "2.4", "14", "14.6" }, sections);
    }
}
