using System.Net;
using Archiver.Testing.Oidc;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Archiver.Oidc.Tests.Harness;

/// <summary>
/// A stand-in for the web console: an ASP.NET Core app on loopback that signs users in with the framework's own
/// cookie and OpenID Connect handlers, configured as a real app would be against this provider (code flow, PKCE,
/// userinfo, groups as roles). <c>/me</c> needs a signed-in user and answers with their name and groups;
/// <c>/signout</c> signs out of the app and of the provider.
/// </summary>
internal sealed class ConsoleApp : IAsyncDisposable
{
    public const string ClientId = "archive-console";
    public const string ClientSecret = "archive-console-secret";

    private readonly WebApplication _app;

    private ConsoleApp(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary><c>http://127.0.0.1:PORT/</c></summary>
    public Uri BaseAddress { get; }

    /// <summary>The registration the provider needs: ASP.NET Core's default callback paths on this app's address.</summary>
    public OidcClient Registration => new(ClientId, ClientSecret, [new Uri(BaseAddress, "signin-oidc").AbsoluteUri])
    {
        PostLogoutRedirectUris = [new Uri(BaseAddress, "signout-callback-oidc").AbsoluteUri],
    };

    public static async Task<ConsoleApp> StartAsync(Uri authority)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        builder.Services
            .AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie()
            .AddOpenIdConnect(o => Configure(o, authority));
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/me", (HttpContext context) => Results.Json(new
        {
            name = context.User.Identity!.Name,
            groups = context.User.FindAll("groups").Select(c => c.Value).Order(StringComparer.Ordinal).ToArray(),
            investigator = context.User.IsInRole("archive-investigators"),
        })).RequireAuthorization();
        app.MapGet("/signout", () => Results.SignOut(
            new AuthenticationProperties { RedirectUri = "/signed-out" },
            [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]));
        app.MapGet("/signed-out", () => Results.Text("signed out of the console"));
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ConsoleApp(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>The OpenID Connect settings a console on plain-HTTP loopback needs (see each line's reason).</summary>
    private static void Configure(OpenIdConnectOptions o, Uri authority)
    {
        o.Authority = authority.AbsoluteUri;
        o.RequireHttpsMetadata = false; // the provider is http://127.0.0.1
        o.ClientId = ClientId;
        o.ClientSecret = ClientSecret;
        o.ResponseType = "code";
        o.UsePkce = true;
        o.SaveTokens = true; // keeps the id_token for id_token_hint at sign-out
        o.GetClaimsFromUserInfoEndpoint = true;
        o.MapInboundClaims = false; // keep "name", "sub", "groups" as the provider wrote them
        o.TokenValidationParameters.NameClaimType = "name";
        o.TokenValidationParameters.RoleClaimType = "groups";
        // The id_token already has the groups; take them from userinfo instead (one claim per group, no duplicates).
        o.ClaimActions.DeleteClaim("groups");
        o.ClaimActions.MapJsonKey("groups", "groups");
        // The correlation and nonce cookies default to Secure + SameSite=None, which a plain-HTTP app never gets back.
        // Provider and app are both on 127.0.0.1 (same site, other port), so Lax cookies survive the form_post.
        o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.CorrelationCookie.SameSite = SameSiteMode.Lax;
        o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.NonceCookie.SameSite = SameSiteMode.Lax;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
