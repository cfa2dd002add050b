using System.Net;
using System.Security.Claims;
using Archiver.Worker.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.WebConsole;

/// <summary>
/// <c>archiver console</c> (docs/console.md): the reviewer console, Razor Pages rendered on the server (no script), on
/// the archive's read side, signing users in with OpenID Connect or local accounts, and recording every access.
/// </summary>
public static class ConsoleHost
{
    public const string CookieScheme = "archiver-console";
    public const string OidcScheme = "oidc";

    public static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await using var app = Build();
        await app.StartAsync(cancellationToken);
        // The address actually bound (a port of 0 picks one): what the demo and the tests read.
        foreach (var address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses)
            System.Console.WriteLine($"Console listening on {address}");
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    public static WebApplication Build()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddArchiveStore();
        builder.Services.AddLifecycle();
        // Read once: the listener, the sign-in schemes and the path base are decided here, before the services exist.
        var options = builder.Services.AddValidatedOptionsNow<ConsoleOptions, ConsoleOptionsValidator>(builder.Configuration, ConsoleOptions.Section);
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.TryParse(options.Address, out var address) ? address : IPAddress.Loopback, options.Port);
        });
        var keys = builder.Services.AddDataProtection().SetApplicationName("archiver-console");
        if (!string.IsNullOrWhiteSpace(options.KeysDirectory))
            keys.PersistKeysToFileSystem(new DirectoryInfo(options.KeysDirectory));
        builder.Services.AddSingleton<AccessAudit>();
        builder.Services.AddSingleton(_ => string.IsNullOrWhiteSpace(options.UsersFile) ? new LocalAccounts([]) : LocalAccounts.Load(options.UsersFile));
        builder.Services.Configure<ForwardedHeadersOptions>(f =>
        {
            f.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            f.KnownProxies.Clear();
            f.KnownIPNetworks.Clear();
            foreach (var proxy in options.TrustedProxies)
                f.KnownProxies.Add(IPAddress.Parse(proxy));
            foreach (var network in options.TrustedNetworks)
                f.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });
        // It never migrates: it checks, as the worker does with Archive__MigrateOnStart=false, that the schema is the one it
        // was built for, and refuses to start otherwise (run `archiver migrate` first).
        builder.Services.Configure<ArchiveOptions>(o => o.MigrateOnStart = false);
        builder.Services.AddHostedService<StoreStartupService>();
        builder.Services.AddHealthChecks().AddCheck<Observability.DatabaseCheck>("database");

        var authentication = builder.Services.AddAuthentication(CookieScheme).AddCookie(CookieScheme, cookie =>
        {
            cookie.LoginPath = "/signin";
            cookie.LogoutPath = "/signout";
            cookie.AccessDeniedPath = "/denied";
            cookie.Cookie.Name = "archiver-console";
            cookie.Cookie.HttpOnly = true;
            // Lax, not Strict: the sign-in from the identity provider arrives by a cross-site form post.
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(options.SessionMinutes);
            cookie.SlidingExpiration = true;
        });
        if (options.Oidc.Enabled)
            authentication.AddOpenIdConnect(OidcScheme, oidc => ConfigureOidc(oidc, options.Oidc));
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ConsoleRoles.Read, p => p.RequireRole(ConsoleRoles.All))
            .AddPolicy(ConsoleRoles.ReadClear, p => p.RequireRole(ConsoleRoles.Investigator))
            .AddPolicy(ConsoleRoles.Export, p => p.RequireRole(ConsoleRoles.Investigator))
            .AddPolicy(ConsoleRoles.Holds, p => p.RequireRole(ConsoleRoles.Supervisor))
            .AddPolicy(ConsoleRoles.Audit, p => p.RequireRole(ConsoleRoles.Supervisor));
        builder.Services.AddAntiforgery(a =>
        {
            a.Cookie.Name = "archiver-console-antiforgery";
            a.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        // The pages are compiled into this assembly: named here, so the console also runs hosted by another (the benchmark).
        builder.Services.AddRazorPages(pages =>
        {
            pages.RootDirectory = "/WebConsole/Pages";
            pages.Conventions.AuthorizeFolder("/", ConsoleRoles.Read);
            pages.Conventions.AllowAnonymousToPage("/SignIn");
            pages.Conventions.AllowAnonymousToPage("/Denied");
        }).AddApplicationPart(typeof(ConsoleHost).Assembly);

        var app = builder.Build();
        if (!string.IsNullOrEmpty(options.PathBase))
            app.UsePathBase(options.PathBase);
        app.UseForwardedHeaders();
        app.UseMiddleware<SecurityHeaders>(options.Oidc.Enabled ? new Uri(options.Oidc.Authority!).GetLeftPart(UriPartial.Authority) : "");
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/console.css", () => Results.Text(ConsoleStyle.Css, "text/css")).AllowAnonymous();
        app.MapGet("/health", () => Results.Text("ok")).AllowAnonymous();
        app.MapHealthChecks("/health/ready").AllowAnonymous(); // the database answers
        app.MapGet("/signin/oidc", (HttpContext context, string? returnUrl) => options.Oidc.Enabled
            ? Results.Challenge(new AuthenticationProperties { RedirectUri = LocalUrl(returnUrl) }, [OidcScheme])
            : Results.NotFound()).AllowAnonymous();
        app.MapRazorPages();
        return app;
    }

    /// <summary>Only a path of this site: a return address from a query string never sends anyone elsewhere.</summary>
    public static string LocalUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/search";

    private static void ConfigureOidc(OpenIdConnectOptions oidc, ConsoleOidcOptions options)
    {
        oidc.SignInScheme = CookieScheme;
        oidc.Authority = options.Authority;
        oidc.RequireHttpsMetadata = !options.AllowHttpMetadata;
        oidc.ClientId = options.ClientId;
        oidc.ClientSecret = options.Secret();
        oidc.ResponseType = "code";
        oidc.UsePkce = true;
        oidc.SaveTokens = true;
        oidc.GetClaimsFromUserInfoEndpoint = true;
        oidc.MapInboundClaims = false;
        oidc.Scope.Clear();
        oidc.Scope.Add("openid");
        oidc.Scope.Add("profile");
        oidc.TokenValidationParameters.NameClaimType = "name";
        // The provider's group claim, taken once (userinfo repeats the id token's) and as a list.
        oidc.ClaimActions.DeleteClaim(options.RoleClaim);
        oidc.ClaimActions.MapJsonKey(options.RoleClaim, options.RoleClaim);
        oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
        oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        oidc.NonceCookie.SameSite = SameSiteMode.Lax;
        oidc.Events.OnTicketReceived = context =>
        {
            // The console's identity: a name and the roles the configured claim values give; nothing else is kept.
            var from = context.Principal!;
            var name = from.FindFirst("name")?.Value ?? from.FindFirst("preferred_username")?.Value ?? from.FindFirst("sub")?.Value ?? "?";
            var groups = from.FindAll(options.RoleClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
            var identity = new ClaimsIdentity(OidcScheme, ClaimTypes.Name, ClaimTypes.Role);
            identity.AddClaim(new Claim(ClaimTypes.Name, name));
            identity.AddClaim(new Claim("sub", from.FindFirst("sub")?.Value ?? name));
            foreach (var (role, values) in new[] { (ConsoleRoles.Reviewer, options.Reviewers), (ConsoleRoles.Investigator, options.Investigators), (ConsoleRoles.Supervisor, options.Supervisors) })
            {
                if (values.Any(groups.Contains))
                    identity.AddClaim(new Claim(ClaimTypes.Role, role));
            }
            context.Principal = new ClaimsPrincipal(identity);
            var audit = context.HttpContext.RequestServices.GetRequiredService<AccessAudit>();
            return audit.RecordAsync(context.Principal, context.HttpContext.Connection.RemoteIpAddress?.ToString(), AccessAudit.SignIn, null,
                new System.Text.Json.Nodes.JsonObject { ["with"] = "oidc" }, context.HttpContext.RequestAborted);
        };
    }
}
