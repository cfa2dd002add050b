using System.Text.Json.Nodes;
using Archiver.Worker.Lifecycle;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Archiver.Worker.WebConsole.Pages;

/// <summary>Legal holds (docs/compliance.md's semantics): listed, placed and released by supervisors, each recorded with who and why.</summary>
[Authorize(Policy = ConsoleRoles.Holds)]
public sealed class HoldsModel(LegalHolds holds, AccessAudit audit) : PageModel
{
    public IReadOnlyList<HoldView> Holds { get; private set; } = [];

    public string? Error { get; private set; }

    public string? Notice { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Holds = await holds.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(
        string? caseId, string? reason, string? conversations, string? consumers, string? agents, DateTime? from, DateTime? to, string? query,
        CancellationToken cancellationToken)
    {
        var scope = new HoldScope(List(conversations), List(consumers), List(agents), Utc(from), Utc(to), string.IsNullOrWhiteSpace(query) ? null : query);
        try
        {
            var id = await holds.CreateAsync(caseId ?? "", reason ?? "", scope, cancellationToken, User.NameOf());
            await audit.RecordAsync(HttpContext, AccessAudit.HoldCreate, null,
                new JsonObject { ["holdId"] = id, ["caseId"] = caseId, ["reason"] = reason, ["scope"] = scope.ToJson() }, cancellationToken);
            Notice = $"Hold {id} placed for case {caseId}.";
        }
        catch (ArgumentException e)
        {
            Error = e.Message.Replace("--", "", StringComparison.Ordinal);
        }
        Holds = await holds.ListAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostReleaseAsync(long holdId, string? reason, CancellationToken cancellationToken)
    {
        try
        {
            await holds.ReleaseAsync(holdId, reason ?? "", cancellationToken, User.NameOf());
            await audit.RecordAsync(HttpContext, AccessAudit.HoldRelease, null, new JsonObject { ["holdId"] = holdId, ["reason"] = reason }, cancellationToken);
            Notice = $"Hold {holdId} released.";
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Error = e.Message.Replace("--", "", StringComparison.Ordinal);
        }
        Holds = await holds.ListAsync(cancellationToken);
        return Page();
    }

    /// <summary>Several ids: one per line, or separated by commas or spaces.</summary>
    private static List<string> List(string? text) =>
        (text ?? "").Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
