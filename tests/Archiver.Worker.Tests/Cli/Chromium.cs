using Archiver.Testing;

namespace Archiver.Worker.Tests.Cli;

/// <summary>Headless Chromium (which scripts/test.sh installs when missing) for the HTML export's browser tests.</summary>
internal static class Chromium
{
    private static readonly string[] Browsers = ["chromium", "chromium-browser", "google-chrome"];

    /// <summary>The browser's path; fails the test, saying how to get one, when the machine has none.</summary>
    public static string Find()
    {
        var chromium = Browsers.Select(name => Path.Combine("/usr/bin", name)).FirstOrDefault(File.Exists);
        Assert.True(chromium is not null, "No Chromium on this machine: run the tests with `bash scripts/test.sh`, which installs Debian's chromium.");
        return chromium!;
    }

    /// <summary>
    /// Headless, with its own profile and no background traffic: this machine's network is closed, and Chromium would
    /// keep trying (env notes). The page's console (Content-Security-Policy violations among it) is logged to stderr.
    /// </summary>
    public static string[] Headless(string profile) =>
        ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", $"--user-data-dir={profile}"];

    /// <summary>The page's DOM after it loaded (and after any script on it ran), serialised; and Chromium's log, console included.</summary>
    public static async Task<(string Dom, string Log)> DumpDomAsync(string file, string profile)
    {
        var dom = await ProcessRunner.RunAsync(Find(), [.. Headless(profile), "--dump-dom", new Uri(file).AbsoluteUri],
            new Dictionary<string, string?>(), TimeSpan.FromMinutes(2));
        Assert.True(dom.ExitCode == 0, dom.StandardError);
        return (dom.StandardOutput, dom.StandardError);
    }

    /// <summary>Whether the log reports a Content-Security-Policy violation (Chromium logs them as console messages).</summary>
    public static bool ReportsPolicyViolation(string log) => log.Contains("Content Security Policy", StringComparison.Ordinal);

    /// <summary>Text as a browser serialises a text node: only &amp;, &lt; and &gt; are escaped.</summary>
    public static string AsDomText(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
