using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Archiver.Simulator.Tests;

/// <summary><c>--port 0</c>: the built simulator as its own process prints where it listens, and serves there.</summary>
public sealed partial class CommandLineTests
{
    [Fact]
    public async Task Port_zero_binds_a_free_port_and_prints_it()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Archiver.Simulator.dll");
        Assert.True(File.Exists(dll), dll);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        using var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var first = await process.StandardOutput.ReadLineAsync(timeout.Token);
            var match = Listening().Match(first ?? "");
            Assert.True(match.Success, $"first line: {first}");
            var port = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(port, 1, 65535);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var csds = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/api/account/12345678/service/baseURI.json?version=1.0"));
            Assert.Contains(csds.RootElement.GetProperty("baseURIs").EnumerateArray(),
                s => s.GetProperty("service").GetString() == "asyncMessagingEnt" && s.GetProperty("baseURI").GetString() == $"127.0.0.1:{port}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [GeneratedRegex(@"^Simulator listening on http://127\.0\.0\.1:(\d+)$")]
    private static partial Regex Listening();
}
