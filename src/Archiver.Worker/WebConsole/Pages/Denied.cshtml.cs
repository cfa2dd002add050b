using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Archiver.Worker.WebConsole.Pages;

/// <summary>Where a signed-in user lands when a page is not for their roles; the refusal is recorded.</summary>
public sealed class DeniedModel(AccessAudit audit) : PageModel
{
    public string Roles { get; private set; } = "";

    public async Task OnGetAsync(string? returnUrl, CancellationToken cancellationToken)
    {
        Roles = User.RolesOf();
        if (User.Identity?.IsAuthenticated == true)
            await audit.RecordAsync(HttpContext, AccessAudit.Denied, null, new JsonObject { ["page"] = ConsoleHost.LocalUrl(returnUrl) }, cancellationToken);
    }
}
