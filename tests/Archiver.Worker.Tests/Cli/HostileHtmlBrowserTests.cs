using System.Text.RegularExpressions;
using Archiver.Testing;

namespace Archiver.Worker.Tests.Cli;

/// <summary>
/// The HTML export of hostile messages opened in headless Chromium: script and event handlers in messages show as
/// text and never run; and should markup ever slip past the encoding, the page's Content-Security-Policy still stops it.
/// Running script is seen in the dumped DOM: the payloads retitle the page.
/// </summary>
public sealed partial class HostileHtmlBrowserTests(HostileArchive archive) : IClassFixture<HostileArchive>, IDisposable
{
    private const string Injection = "<script>document.title='pwned'</script>";

    private readonly string _root = Directory.CreateTempSubdirectory("archiver-hostile-html-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Script_in_messages_shows_as_text_and_nothing_runs()
    {
        var page = await ExportAsync();

        var (dom, log) = await Chromium.DumpDomAsync(page, Path.Combine(_root, "profile"));

        Assert.Contains(Chromium.AsDomText(HostileArchive.Script), dom, StringComparison.Ordinal);
        Assert.Contains(Chromium.AsDomText(HostileArchive.Retitle), dom, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", dom, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", dom, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a ", dom, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("Archiver transcripts ", Title(dom), StringComparison.Ordinal);
        Assert.False(Chromium.ReportsPolicyViolation(log), log); // nothing even tried to run; the page's own style is allowed
    }

    [Fact]
    public async Task The_policy_stops_script_that_slipped_past_the_encoding()
    {
        var page = await ExportAsync();
        var html = await File.ReadAllTextAsync(page);
        // As if a value had been written unencoded: the same page with script in its body, with and without the policy.
        var tampered = html.Replace("</body>", $"{Injection}\n</body>", StringComparison.Ordinal);
        var withPolicy = Path.Combine(_root, "with-policy.html");
        var withoutPolicy = Path.Combine(_root, "without-policy.html");
        await File.WriteAllTextAsync(withPolicy, tampered);
        await File.WriteAllTextAsync(withoutPolicy, PolicyMeta().Replace(tampered, "", 1));
        Assert.NotEqual(tampered, await File.ReadAllTextAsync(withoutPolicy));

        var blocked = await Chromium.DumpDomAsync(withPolicy, Path.Combine(_root, "profile-1"));
        var ran = await Chromium.DumpDomAsync(withoutPolicy, Path.Combine(_root, "profile-2"));

        Assert.Equal("pwned", Title(ran.Dom)); // the injection runs where nothing stops it: the check can see script
        Assert.StartsWith("Archiver transcripts ", Title(blocked.Dom), StringComparison.Ordinal);
        Assert.True(Chromium.ReportsPolicyViolation(blocked.Log), blocked.Log); // refused by the policy
    }

    private async Task<string> ExportAsync()
    {
        var dir = Path.Combine(_root, "html");
        if (!Directory.Exists(dir))
        {
            var export = await ProcessRunner.ArchiverAsync(archive.Environment(), "export", "--from", "2024-05-01", "--to", "2024-05-02",
                "--format", "html", "--out", dir);
            Assert.True(export.ExitCode == 0, export.StandardError);
        }
        return Path.Combine(dir, "transcripts.html");
    }

    private static string Title(string dom) => TitleElement().Match(dom) is { Success: true } m ? m.Groups[1].Value : "";

    [GeneratedRegex("<title>(.*?)</title>", RegexOptions.Singleline)]
    private static partial Regex TitleElement();

    [GeneratedRegex("<meta http-equiv=\"Content-Security-Policy\"[^>]*>")]
    private static partial Regex PolicyMeta();
}
