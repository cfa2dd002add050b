namespace Archiver.Simulator.Configuration;

/// <summary>How the simulator behaves; the command line sets the same options (see docs/simulator.md).</summary>
public sealed record SimulatorSettings
{
    /// <summary>0 = a free port.</summary>
    public int Port { get; init; }

    /// <summary>127.0.0.1 by default (no traffic leaves the machine); <c>0.0.0.0</c> only inside a container network.</summary>
    public string Address { get; init; } = "127.0.0.1";

    public string Account { get; init; } = "12345678";

    /// <summary>Seeds every random choice (quirks, scenario content), so a failing run can be replayed.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Vary the output among the documented alternatives (docs/protocol.md §14.2).</summary>
    public bool Quirks { get; init; } = true;

    /// <summary>
    /// When a consumer first subscribes: "demo" plays <see cref="ScenarioConversations"/> scripted conversations for it in
    /// real time; "year" plays that many past conversations spread over the last 365 days, at once.
    /// </summary>
    public string? Scenario { get; init; }

    /// <summary>Conversations per consumer for <see cref="Scenario"/>; null: the scenario's default (3 demo, 50 year).</summary>
    public int? ScenarioConversations { get; init; }

    /// <summary>Pause between the steps of a scripted conversation.</summary>
    public int PaceMs { get; init; } = 300;

    /// <summary>Lifetime of the consumer JWTs the IDP issues; a socket whose token expires is closed (4401 authenticated, 4407 otherwise).</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromDays(3650);

    /// <summary>Lifetime of external (unauthenticated connector) tokens; refreshable for 24 h after issue.</summary>
    public TimeSpan ExternalTokenLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>History on ms.SubscribeMessagingEvents is sent in notifications of up to this many changes
    /// (docs/protocol.md §14.3).</summary>
    public int HistoryBatch { get; init; } = 25;

    /// <summary>A connection that sends nothing for this long is closed (docs/protocol.md §2.3).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A bare socket (no token on the handshake) that has not authenticated with InitConnection by then is closed with 4401 (docs/simulator.md).</summary>
    public TimeSpan InitConnectionTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Frames queued for one connection before it is dropped as too slow.</summary>
    public int MaxQueuedFrames { get; init; } = 200_000;

    /// <summary>PEM public keys of brands whose id tokens the IDP accepts (Authenticated flow).</summary>
    public IReadOnlyList<string> BrandPublicKeyFiles { get; init; } = [];
}
