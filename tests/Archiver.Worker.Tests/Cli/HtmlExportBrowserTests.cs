using Archiver.Testing;

namespace Archiver.Worker.Tests.Cli;

/// <summary>
/// The HTML export opened in a real browser (headless Chromium, which scripts/test.sh installs when missing): the page
/// renders, the DOM holds every conversation and message, markup in messages stays text, and a screenshot is kept in
/// the test artifacts (TestResults/artifacts, or ARCHIVER_TEST_ARTIFACTS).
/// </summary>
public sealed class HtmlExportBrowserTests(ComplianceArchive archive) : IClassFixture<ComplianceArchive>, IDisposable
{
    private static readonly string[] Browsers = ["chromium", "chromium-browser", "google-chrome"];

    private readonly string _root = Directory.CreateTempSubdirectory("archiver-html-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_html_export_renders_in_headless_chromium()
    {
        var chromium = Browsers.Select(name => Path.Combine("/usr/bin", name)).FirstOrDefault(File.Exists);
        Assert.True(chromium is not null, "No Chromium on this machine: run the tests with `bash scripts/test.sh`, which installs Debian's chromium.");

        var dir = Path.Combine(_root, "html");
        var export = await ProcessRunner.ArchiverAsync(archive.Environment(), "export",
            "--from", ComplianceArchive.WindowFrom.ToString("O"), "--to", ComplianceArchive.WindowTo.ToString("O"), "--format", "html", "--out", dir);
        Assert.True(export.ExitCode == 0, export.StandardError);
        var page = new Uri(Path.Combine(dir, "transcripts.html")).AbsoluteUri;

        var artifacts = Environment.GetEnvironmentVariable("ARCHIVER_TEST_ARTIFACTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepositoryPaths.Root, "TestResults", "artifacts");
        Directory.CreateDirectory(artifacts);
        var screenshot = Path.Combine(artifacts, "html-export.png");
        File.Delete(screenshot);
        // No background traffic: this machine's network is closed, and Chromium would keep trying (env notes).
        string[] headless = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            $"--user-data-dir={Path.Combine(_root, "profile")}"];

        var dom = await ProcessRunner.RunAsync(chromium!, [.. headless, "--dump-dom", page], new Dictionary<string, string?>(), TimeSpan.FromMinutes(2));
        Assert.True(dom.ExitCode == 0, dom.StandardError);
        foreach (var conversation in new[] { archive.Alpha, archive.Bravo })
        {
            Assert.Contains(conversation.Id, dom.StandardOutput, StringComparison.Ordinal);
            foreach (var message in conversation.Transcript.Where(m => m.Text is { Length: > 0 } && !m.Text.Contains('\n', StringComparison.Ordinal)))
                Assert.Contains(AsDomText(message.Text!), dom.StandardOutput, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(archive.Charlie.Id, dom.StandardOutput, StringComparison.Ordinal); // outside the window
        Assert.DoesNotContain("<script>alert", dom.StandardOutput, StringComparison.Ordinal);     // markup stayed text

        var shot = await ProcessRunner.RunAsync(chromium!, [.. headless, "--window-size=1280,1600", $"--screenshot={screenshot}", page],
            new Dictionary<string, string?>(), TimeSpan.FromMinutes(2));
        Assert.True(shot.ExitCode == 0, shot.StandardError);
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.True(png.Length > 10_000, $"a {png.Length}-byte screenshot is blank");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    /// <summary>Text as a browser serialises a text node: only &amp;, &lt; and &gt; are escaped.</summary>
    private static string AsDomText(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
