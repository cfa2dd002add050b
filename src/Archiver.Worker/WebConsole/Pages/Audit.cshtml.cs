using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Archiver.Worker.WebConsole.Pages;

/// <summary>The access audit trail (docs/console.md): who searched, viewed or exported what, when, from where — "who has seen conversation X".</summary>
[Authorize(Policy = ConsoleRoles.Audit)]
public sealed class AuditModel(AccessAudit audit) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true, Name = "user")] public string? UserName { get; set; }
    [BindProperty(SupportsGet = true)] public string? Action { get; set; }
    [BindProperty(SupportsGet = true)] public string? Conversation { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    public IReadOnlyList<AuditRow> Rows { get; private set; } = [];

    public bool HasMore { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var rows = await audit.ReadAsync(UserName, Action, Conversation, (Math.Max(1, PageNumber) - 1) * PageSize, PageSize, cancellationToken);
        HasMore = rows.Count > PageSize;
        Rows = rows.Take(PageSize).ToList();
        await audit.RecordAsync(HttpContext, AccessAudit.AuditViewed, string.IsNullOrWhiteSpace(Conversation) ? null : Conversation,
            new JsonObject { ["user"] = UserName, ["action"] = Action, ["conversation"] = Conversation }, cancellationToken);
    }
}
