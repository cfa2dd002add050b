using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.WebConsole.Pages;

/// <summary>Sign-in: a local account's name and password, or the organisation's identity provider.</summary>
public sealed class SignInModel(LocalAccounts accounts, AccessAudit audit, IOptions<ConsoleOptions> options) : PageModel
{
    public bool Oidc => options.Value.Oidc.Enabled;

    public bool LocalAccounts => accounts.Accounts.Count > 0;

    public string ReturnUrl { get; private set; } = "/search";

    public string? Error { get; private set; }

    public void OnGet(string? returnUrl) => ReturnUrl = ConsoleHost.LocalUrl(returnUrl);

    public async Task<IActionResult> OnPostAsync(string? name, string? password, string? returnUrl, CancellationToken cancellationToken)
    {
        ReturnUrl = ConsoleHost.LocalUrl(returnUrl);
        var account = accounts.Verify(name ?? "", password ?? "");
        if (account is null)
        {
            Error = "That user name and password do not match an account.";
            var stranger = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name ?? "")]));
            await audit.RecordAsync(stranger, HttpContext.Connection.RemoteIpAddress?.ToString(), AccessAudit.Denied, null,
                new JsonObject { ["page"] = "/signin", ["reason"] = "wrong user name or password" }, cancellationToken);
            return Page();
        }
        var identity = new ClaimsIdentity(ConsoleHost.CookieScheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, account.Name));
        foreach (var role in account.Roles)
            identity.AddClaim(new Claim(ClaimTypes.Role, role));
        var user = new ClaimsPrincipal(identity);
        await HttpContext.SignInAsync(ConsoleHost.CookieScheme, user);
        await audit.RecordAsync(user, HttpContext.Connection.RemoteIpAddress?.ToString(), AccessAudit.SignIn, null, new JsonObject { ["with"] = "local account" },
            cancellationToken);
        return LocalRedirect(ReturnUrl);
    }
}
