using System.IO.Compression;
using System.Text.Json.Nodes;
using Archiver.Worker.ReadSide;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Archiver.Worker.WebConsole.Pages;

/// <summary>
/// The export of a selection (docs/console.md): the CLI's formats, manifest and — with the checkpoint key — signature,
/// made by the read side's one exporter, downloaded as one zip. Investigators only; recorded with every conversation in it.
/// </summary>
[Authorize(Policy = ConsoleRoles.Export)]
public sealed class ExportModel(Exporter exporter, AccessAudit audit, TimeProvider time) : PageModel
{
    /// <summary>The console exports a page of a search at a time, or a hand-picked few.</summary>
    public const int MaxConversations = 1_000;

    public string? Error { get; private set; }

    public IActionResult OnGet() => RedirectToPage("/Search");

    public async Task<IActionResult> OnPostAsync(string[]? ids, string? format, CancellationToken cancellationToken)
    {
        var chosen = (ids ?? []).Where(i => !string.IsNullOrWhiteSpace(i)).Distinct(StringComparer.Ordinal).ToList();
        if (chosen.Count == 0 || chosen.Count > MaxConversations || format is null || !Exporter.Formats.Contains(format))
        {
            Error = chosen.Count == 0 ? "Select the conversations to export first." : $"Choose a format, and at most {MaxConversations} conversations.";
            return Page();
        }
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var directory = Path.Combine(Path.GetTempPath(), $"archiver-console-export-{Guid.NewGuid():N}");
        try
        {
            var outcome = await exporter.ExportAsync(new ExportRequest(format, directory, Conversations: chosen, Source: TextSource.Original), null, null, cancellationToken);
            await audit.RecordAsync(HttpContext, AccessAudit.Export, chosen[0], new JsonObject
            {
                ["format"] = format,
                ["conversations"] = new JsonArray([.. chosen.Select(c => (JsonNode?)c)]),
                ["exported"] = outcome.Conversations,
                ["messages"] = outcome.Messages,
                ["signed"] = outcome.Signed,
            }, cancellationToken);
            using var zip = new MemoryStream();
            await ZipFile.CreateFromDirectoryAsync(directory, zip, CompressionLevel.Optimal, includeBaseDirectory: false, cancellationToken);
            return File(zip.ToArray(), "application/zip", $"archiver-export-{stamp}.zip");
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }
}
