using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Archiver.Simulator.Tests.Harness;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Archiver.Simulator.Tests.Identity;

/// <summary>docs/protocol.md §10.2, §14.6: the IDP's three flows, and the tokens it refuses.</summary>
public sealed class IdentityTests
{
    [Fact]
    public async Task Signup_issues_an_RS256_consumer_jwt_with_the_documented_claims()
    {
        await using var sim = await Sim.StartAsync();
        var consumer = await sim.SignupAsync();
        var header = Jwt.Header(consumer.Jwt);
        var claims = Jwt.Payload(consumer.Jwt);
        Assert.Equal("RS256", header.Str("alg"));
        Assert.False(string.IsNullOrEmpty(header.Str("kid")));
        Assert.True(Guid.TryParse(claims.Str("sub"), out _), claims.GetRawText()); // unauthenticated consumerId: a UUID (docs/protocol.md §9)
        Assert.Equal($"acc:{sim.Account}", claims.Str("aud"));
        Assert.Equal("https://idp.liveperson.net", claims.Str("iss"));
        Assert.True(claims.Num("exp") > claims.Num("iat"));
        Assert.True(claims.Num("iat") > 1_600_000_000 && claims.Num("iat") < 100_000_000_000); // seconds
        Assert.NotEqual(consumer.Id, (await sim.SignupAsync()).Id); // each signup is a new consumer
        await using var ws = await UmsClient.ConnectAsync(sim.UmsUri, consumer.Jwt);
        await ws.RequestOkAsync(".GetClock");
    }

    [Fact]
    public async Task The_connector_flow_issues_a_consumer_token_and_a_refresh_keeps_the_same_consumer()
    {
        await using var sim = await Sim.StartAsync(new SimulatorSettings { ExternalTokenLifetime = TimeSpan.FromSeconds(3) });
        var external = await TokenAsync(sim, $"api/account/{sim.Account}/anonymous/authorize", null, "token");
        var first = await TokenAsync(sim, $"api/account/{sim.Account}/app/connector-1/authenticate?v=3.0", new { id_token = external }, "token");
        var consumerId = Jwt.Payload(first).Str("sub")!;
        Assert.Equal($"acc:{sim.Account}", Jwt.Payload(first).Str("aud"));
        await using (var ws = await UmsClient.ConnectAsync(sim.UmsUri, first))
            await ws.RequestOkAsync(".GetClock");

        await Task.Delay(TimeSpan.FromSeconds(4)); // the external token expires (exp is whole seconds: 2 to 3 s after issue)…
        using (var expired = await sim.PostAsync($"api/account/{sim.Account}/app/connector-1/authenticate?v=3.0", new { id_token = external }))
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        // …and is refreshed: the same external subject, hence the same consumer.
        var refreshed = await TokenAsync(sim, $"api/account/{sim.Account}/anonymous/authorize", new { id_token = external }, "token");
        var second = await TokenAsync(sim, $"api/account/{sim.Account}/app/connector-1/authenticate?v=3.0", new { id_token = refreshed }, "token");
        Assert.Equal(consumerId, Jwt.Payload(second).Str("sub"));
        await using (var ws = await UmsClient.ConnectAsync(sim.UmsUri, second))
            await ws.RequestOkAsync(".GetClock");

        // A fresh anonymous identity is another consumer; a token we forged is not refreshed.
        var other = await TokenAsync(sim, $"api/account/{sim.Account}/app/connector-1/authenticate?v=3.0",
            new { id_token = await TokenAsync(sim, $"api/account/{sim.Account}/anonymous/authorize", null, "token") }, "token");
        Assert.NotEqual(consumerId, Jwt.Payload(other).Str("sub"));
        using var forged = await sim.PostAsync($"api/account/{sim.Account}/anonymous/authorize",
            new { id_token = Forge("https://idp.liveperson.net/anonymous", "someone", $"acc:{sim.Account}", out _) });
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task The_authenticated_flow_exchanges_a_brand_id_token_for_a_stable_64_hex_consumer()
    {
        await using var sim = await Sim.StartAsync();
        using var brand = RSA.Create(2048);
        await PutBrandKeyAsync(sim, "brand-key-1", brand);

        var jwt = await TokenAsync(sim, $"api/account/{sim.Account}/authenticate", new { authCode = BrandToken(brand, "brand-key-1", "customer-42") }, "jwt");
        var claims = Jwt.Payload(jwt);
        var consumerId = claims.Str("sub")!;
        Assert.Matches("^[0-9a-f]{64}$", consumerId);
        Assert.Equal("customer-42", claims.Prop("lp.ext").Str("sub"));
        var again = await TokenAsync(sim, $"api/account/{sim.Account}/authenticate", new { authCode = BrandToken(brand, "brand-key-1", "customer-42") }, "jwt");
        Assert.Equal(consumerId, Jwt.Payload(again).Str("sub"));
        var someoneElse = await TokenAsync(sim, $"api/account/{sim.Account}/authenticate", new { authCode = BrandToken(brand, "brand-key-1", "customer-43") }, "jwt");
        Assert.NotEqual(consumerId, Jwt.Payload(someoneElse).Str("sub"));
        await using var ws = await UmsClient.ConnectAsync(sim.UmsUri, jwt);
        await ws.RequestOkAsync(".GetClock");

        // A brand token signed by a key the IDP does not know (even under a registered kid) is refused.
        using var stranger = RSA.Create(2048);
        using var refused = await sim.PostAsync($"api/account/{sim.Account}/authenticate", new { authCode = BrandToken(stranger, "brand-key-1", "customer-42") });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var expired = await sim.PostAsync($"api/account/{sim.Account}/authenticate",
            new { authCode = BrandToken(brand, "brand-key-1", "customer-42", DateTime.UtcNow.AddMinutes(-20), DateTime.UtcNow.AddMinutes(-10)) });
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    internal static async Task PutBrandKeyAsync(Sim sim, string kid, RSA brand)
    {
        using var content = new StringContent(JsonSerializer.Serialize(new { pem = brand.ExportSubjectPublicKeyInfoPem() }), System.Text.Encoding.UTF8, "application/json");
        using var response = await sim.Http.PutAsync($"control/brand-keys/{kid}", content);
        response.EnsureSuccessStatusCode();
    }

    internal static string BrandToken(RSA key, string kid, string subject, DateTime? notBefore = null, DateTime? expires = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://brand.example",
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            IssuedAt = notBefore ?? now,
            NotBefore = notBefore ?? now,
            Expires = expires ?? now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = kid }, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>A token shaped like the IDP's (kid 00001, RS256) but signed with a key of our own.</summary>
    internal static string Forge(string issuer, string subject, string audience, out RSA key)
    {
        key = RSA.Create(2048);
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            IssuedAt = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = "00001" }, SecurityAlgorithms.RsaSha256),
        });
    }

    internal static async Task<string> TokenAsync(Sim sim, string path, object? body, string field)
    {
        using var response = body is null ? await sim.Http.PostAsync(path, null) : await sim.PostAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} → {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty(field).GetString()!;
    }
}

/// <summary>docs/protocol.md §2.4, §14.6: expired tokens and tokens the IDP did not sign are refused, and an open
/// socket is closed when its token expires.</summary>
public sealed class TokenExpiryTests
{
    [Fact]
    public async Task The_socket_refuses_tokens_it_did_not_sign_or_that_expired()
    {
        await using var sim = await Sim.StartAsync(new SimulatorSettings { TokenLifetime = TimeSpan.FromSeconds(3) });
        await using var other = await Sim.StartAsync(new SimulatorSettings { Account = "87654321" });

        // Signed by another simulator's key (another IDP), for another account.
        var foreign = (await other.SignupAsync()).Jwt;
        Assert.Equal(401, await UmsClient.HandshakeStatusAsync(sim.UmsUri, foreign));
        // Well-formed, the right issuer and account, signed by a key of ours; and one with the wrong audience.
        Assert.Equal(401, await UmsClient.HandshakeStatusAsync(sim.UmsUri, IdentityTests.Forge("https://idp.liveperson.net", Guid.NewGuid().ToString(), $"acc:{sim.Account}", out _)));
        Assert.Equal(401, await UmsClient.HandshakeStatusAsync(sim.UmsUri, IdentityTests.Forge("https://idp.liveperson.net", Guid.NewGuid().ToString(), "acc:87654321", out _)));
        Assert.Equal(401, await UmsClient.HandshakeStatusAsync(sim.UmsUri, "not.a.jwt"));

        // A token of ours is accepted while valid, refused once expired.
        var consumer = await sim.SignupAsync();
        Assert.Equal(101, await UmsClient.HandshakeStatusAsync(sim.UmsUri, consumer.Jwt));
        await Task.Delay(TimeSpan.FromSeconds(4)); // exp is whole seconds: a 3 s lifetime leaves at least 2 s to be accepted
        Assert.Equal(401, await UmsClient.HandshakeStatusAsync(sim.UmsUri, consumer.Jwt));
    }

    [Fact]
    public async Task A_socket_whose_token_expires_is_closed_4407_unauthenticated_and_4401_authenticated()
    {
        await using var sim = await Sim.StartAsync(new SimulatorSettings { TokenLifetime = TimeSpan.FromSeconds(3) });
        using var brand = RSA.Create(2048);
        await IdentityTests.PutBrandKeyAsync(sim, "k1", brand);
        var (_, signup) = await sim.ConnectNewConsumerAsync();
        await using var _ = signup;
        var authenticatedJwt = await IdentityTests.TokenAsync(sim, $"api/account/{sim.Account}/authenticate", new { authCode = IdentityTests.BrandToken(brand, "k1", "customer-1") }, "jwt");
        await using var authenticated = await UmsClient.ConnectAsync(sim.UmsUri, authenticatedJwt);
        await signup.RequestOkAsync(".GetClock");
        await authenticated.RequestOkAsync(".GetClock");

        var ended = Task.WhenAll(signup.Ended, authenticated.Ended);
        Assert.Same(ended, await Task.WhenAny(ended, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal(4407, (int?)signup.CloseStatus);
        Assert.Equal(4401, (int?)authenticated.CloseStatus);
        Assert.True(await sim.StatAsync("connections.token_expired") >= 2);
    }
}

/// <summary>docs/protocol.md §2.3: a connection that sends nothing for IdleTimeout is closed.</summary>
public sealed class IdleTests
{
    [Fact]
    public async Task An_idle_connection_is_closed_and_a_talking_one_is_not()
    {
        await using var sim = await Sim.StartAsync(new SimulatorSettings { IdleTimeout = TimeSpan.FromSeconds(2) });
        var (_, idle) = await sim.ConnectNewConsumerAsync();
        await using var _ = idle;
        var (_, talking) = await sim.ConnectNewConsumerAsync();
        await using var __ = talking;
        var start = idle.ElapsedMs;
        while (!idle.Ended.IsCompleted && idle.ElapsedMs - start < 6000)
        {
            await talking.RequestOkAsync(".GetClock");
            await Task.Delay(500);
        }
        Assert.True(idle.Ended.IsCompleted, "the idle socket is still open");
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, idle.CloseStatus);
        Assert.True(idle.ElapsedMs - start >= 1500, $"closed after {idle.ElapsedMs - start} ms");
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, talking.Socket.State);
        await talking.RequestOkAsync(".GetClock");
    }
}

/// <summary>docs/protocol.md §10.1: CSDS names every service and points at the simulator itself.</summary>
public sealed class CsdsTests
{
    [Fact]
    public async Task Csds_points_every_service_at_the_simulator()
    {
        await using var sim = await Sim.StartAsync();
        using var all = JsonDocument.Parse(await sim.Http.GetStringAsync($"api/account/{sim.Account}/service/baseURI.json?version=1.0"));
        var services = all.RootElement.GetProperty("baseURIs").EnumerateArray().ToDictionary(s => s.Str("service")!, s => s);
        foreach (var name in new[] { "asyncMessagingEnt", "idp", "acCdnDomain" })
        {
            Assert.Equal(sim.Host.HostAndPort, services[name].Str("baseURI"));
            Assert.Equal(sim.Account, services[name].Str("account"));
        }
        using var one = JsonDocument.Parse(await sim.Http.GetStringAsync($"api/account/{sim.Account}/service/idp/baseURI.json?version=1.0"));
        Assert.Equal(sim.Host.HostAndPort, one.RootElement.Str("baseURI"));
        using var unknown = await sim.Http.GetAsync("api/account/999/service/baseURI.json?version=1.0");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }
}
