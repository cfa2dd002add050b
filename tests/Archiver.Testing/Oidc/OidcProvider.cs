using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Archiver.Testing.Oidc;

/// <summary>
/// A small but real OpenID Connect provider on loopback (Kestrel on 127.0.0.1, a port the OS picks), so a web app's
/// sign-in is tested against real HTTP, real discovery, real signed tokens and the real ASP.NET Core handler instead of
/// a mock. It speaks the authorization code flow with PKCE (S256), the way ASP.NET Core's OpenID Connect handler does by
/// default, and signs in the user the test chose (<see cref="NextUser"/>) without a login form. Every request it
/// receives is kept in <see cref="Requests"/> for assertions.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly OidcProviderState _state;

    private OidcProvider(WebApplication app, OidcProviderState state)
    {
        _app = app;
        _state = state;
    }

    /// <summary>The issuer and base address, <c>http://127.0.0.1:PORT/</c>: what a client sets as its Authority.</summary>
    public Uri Authority { get; private init; } = null!;

    /// <summary>The user the next <c>/authorize</c> signs in (unless its <c>login_hint</c> names a configured user);
    /// null makes <c>/authorize</c> answer <c>access_denied</c>.</summary>
    public OidcUser? NextUser
    {
        get => _state.NextUser;
        set => _state.NextUser = value;
    }

    /// <summary>A snapshot of every request received so far, oldest first.</summary>
    public IReadOnlyList<OidcRequest> Requests => _state.Requests;

    /// <summary>The provider's public signing key (also published at <c>/jwks</c>), for tests that check a token directly.</summary>
    public SecurityKey SigningKey => _state.SigningKey.PublicKey;

    public static async Task<OidcProvider> StartAsync(OidcProviderOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = new OidcProviderState(options);
        try
        {
            // The empty builder reads no configuration or environment, so nothing on the machine changes how it runs.
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Services.AddRoutingCore();
            var app = builder.Build();
            app.Use(async (context, next) =>
            {
                var request = await RecordAsync(context.Request);
                state.Record(request);
                context.Response.OnStarting(() =>
                {
                    request.StatusCode = context.Response.StatusCode;
                    return Task.CompletedTask;
                });
                await next(context);
            });
            MapEndpoints(app, state);
            await app.StartAsync(cancellationToken);

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            var authority = new Uri(address.TrimEnd('/') + "/");
            state.Listening(authority);
            return new OidcProvider(app, state) { Authority = authority };
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>Registers (or replaces) a client after start: an app on an ephemeral port knows its redirect URI only
    /// once it is listening, after the provider it points at.</summary>
    public void RegisterClient(OidcClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _state.RegisterClient(client);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _state.Dispose();
    }

    private static void MapEndpoints(WebApplication app, OidcProviderState state)
    {
        // Typed as Func so the Delegate overloads bind them and write the IResult (a bare HttpContext lambda would bind
        // as a RequestDelegate and drop it).
        Func<HttpContext, Task<IResult>> authorize = context => AuthorizeEndpoint.HandleAsync(state, context);
        Func<HttpContext, Task<IResult>> token = context => TokenEndpoint.HandleAsync(state, context);
        Func<HttpContext, IResult> userInfo = context => UserInfoEndpoint.Handle(state, context);
        Func<HttpContext, Task<IResult>> endSession = context => EndSessionEndpoint.HandleAsync(state, context);
        string[] getOrPost = [HttpMethods.Get, HttpMethods.Post];
        app.MapGet("/.well-known/openid-configuration", () => DiscoveryEndpoint.Handle(state));
        app.MapGet("/jwks", () => Results.Json(state.SigningKey.JwksDocument()));
        app.MapMethods("/authorize", getOrPost, authorize);
        app.MapPost("/token", token);
        app.MapMethods("/userinfo", getOrPost, userInfo);
        app.MapMethods("/logout", getOrPost, endSession);
    }

    /// <summary>The request's parameters (query and form), its client secret redacted, and the Authorization header's
    /// scheme as <c>authorization</c>: enough to assert on what a client sent without keeping its secrets.</summary>
    private static async Task<OidcRequest> RecordAsync(HttpRequest request)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Query)
            parameters[name] = value.ToString();
        if (request.HasFormContentType)
        {
            foreach (var (name, value) in await request.ReadFormAsync())
                parameters[name] = value.ToString();
        }
        if (parameters.ContainsKey("client_secret"))
            parameters["client_secret"] = "(redacted)";
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
            parameters["authorization"] = authorization.Split(' ', 2)[0];
        return new OidcRequest(request.Method, request.Path.Value ?? "", parameters);
    }
}
