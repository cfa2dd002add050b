using System.Security.Claims;

namespace Archiver.Worker.WebConsole;

/// <summary>
/// The console's three roles (docs/console.md, "Roles"): a reviewer searches and reads masked text; an investigator also
/// reads what was said and exports; a supervisor places and releases legal holds and reads the audit trail. A user may
/// hold several.
/// </summary>
public static class ConsoleRoles
{
    public const string Reviewer = "reviewer";
    public const string Investigator = "investigator";
    public const string Supervisor = "supervisor";

    public static IReadOnlyList<string> All { get; } = [Reviewer, Investigator, Supervisor];

    /// <summary>Authorization policies, one per thing a page does.</summary>
    public const string Read = "read";
    public const string ReadClear = "read-clear";
    public const string Export = "export";
    public const string Holds = "holds";
    public const string Audit = "audit";

    public static bool CanReadClear(this ClaimsPrincipal user) => user.IsInRole(Investigator);

    public static string RolesOf(this ClaimsPrincipal user) => string.Join(",", All.Where(user.IsInRole));

    public static string NameOf(this ClaimsPrincipal user) => user.Identity?.Name ?? "?";
}
