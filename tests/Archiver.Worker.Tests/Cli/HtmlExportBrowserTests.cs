using Archiver.Testing;

namespace Archiver.Worker.Tests.Cli;

/// <summary>
/// The HTML export opened in a real browser (headless Chromium, which scripts/test.sh installs when missing): the page
/// renders, the DOM holds every conversation and message, markup in messages stays text, and a screenshot is kept in
/// the test artifacts (TestResults/artifacts, or ARCHIVER_TEST_ARTIFACTS).
/// </summary>
public sealed class HtmlExportBrowserTests(ComplianceArchive archive) : IClassFixture<ComplianceArchive>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("archiver-html-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_html_export_renders_in_headless_chromium()
    {
        var chromium = Chromium.Find();

        var dir = Path.Combine(_root, "html");
        var export = await ProcessRunner.ArchiverAsync(archive.Environment(), "export",
            "--from", ComplianceArchive.WindowFrom.ToString("O"), "--to", ComplianceArchive.WindowTo.ToString("O"), "--format", "html", "--out", dir);
        Assert.True(export.ExitCode == 0, export.StandardError);
        var page = Path.Combine(dir, "transcripts.html");

        var artifacts = Environment.GetEnvironmentVariable("ARCHIVER_TEST_ARTIFACTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepositoryPaths.Root, "TestResults", "artifacts");
        Directory.CreateDirectory(artifacts);
        var screenshot = Path.Combine(artifacts, "html-export.png");
        File.Delete(screenshot);
        var profile = Path.Combine(_root, "profile");

        var (dom, log) = await Chromium.DumpDomAsync(page, profile);
        Assert.False(Chromium.ReportsPolicyViolation(log), log); // the page's own style is what its policy allows
        foreach (var conversation in new[] { archive.Alpha, archive.Bravo })
        {
            Assert.Contains(conversation.Id, dom, StringComparison.Ordinal);
            foreach (var message in conversation.Transcript.Where(m => m.Text is { Length: > 0 } && !m.Text.Contains('\n', StringComparison.Ordinal)))
                Assert.Contains(Chromium.AsDomText(message.Text!), dom, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(archive.Charlie.Id, dom, StringComparison.Ordinal); // outside the window
        Assert.DoesNotContain("<script>alert", dom, StringComparison.Ordinal);     // markup stayed text

        var shot = await ProcessRunner.RunAsync(chromium, [.. Chromium.Headless(profile), "--window-size=1280,1600", $"--screenshot={screenshot}", new Uri(page).AbsoluteUri],
            new Dictionary<string, string?>(), TimeSpan.FromMinutes(2));
        Assert.True(shot.ExitCode == 0, shot.StandardError);
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.True(png.Length > 10_000, $"a {png.Length}-byte screenshot is blank");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }
}
