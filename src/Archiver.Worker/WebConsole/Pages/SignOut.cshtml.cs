using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Archiver.Worker.WebConsole.Pages;

/// <summary>Signing out (a form post, so no link can sign anyone out): recorded, then the session ends here and at the identity provider.</summary>
public sealed class SignOutModel(AccessAudit audit) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Search");

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await audit.RecordAsync(HttpContext, AccessAudit.SignOut, null, new JsonObject(), cancellationToken);
        var schemes = User.Identity?.AuthenticationType == ConsoleHost.OidcScheme
            ? new[] { ConsoleHost.CookieScheme, ConsoleHost.OidcScheme }
            : [ConsoleHost.CookieScheme];
        return SignOut(new AuthenticationProperties { RedirectUri = Url.Content("~/signin") }, schemes);
    }
}
