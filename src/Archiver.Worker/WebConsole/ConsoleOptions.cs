using System.Net;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.WebConsole;

/// <summary>Section <c>Console</c> (docs/console.md): where the reviewer console listens and how users sign in.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>The address to listen on: loopback unless told otherwise (0.0.0.0 in a container, behind a proxy).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The port; 0 picks a free one (logged).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>Behind a reverse proxy that serves the console under a path (e.g. /archive).</summary>
    public string? PathBase { get; set; }

    /// <summary>Trust X-Forwarded-For/-Proto/-Host from the proxy at these addresses (the audit records the client's address).</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>The same, for proxies anywhere in these networks (CIDR, e.g. 10.42.0.0/16: ingress controllers change address).</summary>
    public List<string> TrustedNetworks { get; set; } = [];

    /// <summary>Local accounts: a JSON file of users with hashed passwords and roles (<c>archiver console add-user</c>).</summary>
    public string? UsersFile { get; set; }

    public ConsoleOidcOptions Oidc { get; set; } = new();

    /// <summary>
    /// Where the keys that protect sign-in cookies and forms are kept (ASP.NET Core data protection): a persistent
    /// directory every replica shares, so a restart or another replica does not sign everyone out. Default: the user's
    /// profile (one machine).
    /// </summary>
    public string? KeysDirectory { get; set; }

    /// <summary>How long a sign-in lasts without use.</summary>
    public int SessionMinutes { get; set; } = 60;
}

/// <summary><c>Console__Oidc__…</c>: an OpenID Connect provider (authorization code with PKCE).</summary>
public sealed class ConsoleOidcOptions
{
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>A secret: from a file or a secret store, never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The client secret read from this file instead (a systemd credential, a mounted Secret).</summary>
    public string? ClientSecretFile { get; set; }

    /// <summary>The client secret, given or read from its file (trailing line break dropped).</summary>
    public string? Secret() => !string.IsNullOrWhiteSpace(ClientSecretFile) && File.Exists(ClientSecretFile)
        ? File.ReadAllText(ClientSecretFile).TrimEnd('\r', '\n')
        : ClientSecret;

    /// <summary>Only for a provider on loopback in tests and demos: allow its metadata over plain HTTP.</summary>
    public bool AllowHttpMetadata { get; set; }

    /// <summary>The claim whose values name a user's groups (e.g. "groups", "roles").</summary>
    public string RoleClaim { get; set; } = "groups";

    /// <summary>Claim values that make a user a reviewer, an investigator, a supervisor.</summary>
    public List<string> Reviewers { get; set; } = [];

    public List<string> Investigators { get; set; } = [];

    public List<string> Supervisors { get; set; } = [];

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}

/// <summary>Section <c>Console</c> checked at start, each error naming its key.</summary>
public sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(options.Address, out _))
            errors.Add($"Console__Address: '{options.Address}' is not an IP address (127.0.0.1, or 0.0.0.0 behind a proxy).");
        if (options.Port is < 0 or > 65535)
            errors.Add($"Console__Port: {options.Port} is not a port.");
        if (!string.IsNullOrEmpty(options.PathBase) && !options.PathBase.StartsWith('/'))
            errors.Add("Console__PathBase must start with '/'.");
        foreach (var proxy in options.TrustedProxies.Where(p => !IPAddress.TryParse(p, out _)))
            errors.Add($"Console__TrustedProxies: '{proxy}' is not an IP address.");
        foreach (var network in options.TrustedNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
            errors.Add($"Console__TrustedNetworks: '{network}' is not a network (e.g. 10.42.0.0/16).");
        if (!string.IsNullOrWhiteSpace(options.KeysDirectory) && !Directory.Exists(options.KeysDirectory))
            errors.Add($"Console__KeysDirectory: {options.KeysDirectory} is not a directory.");
        if (options.SessionMinutes is < 1 or > 24 * 60)
            errors.Add("Console__SessionMinutes must be between 1 and 1440.");
        var oidc = options.Oidc;
        if (!oidc.Enabled && string.IsNullOrWhiteSpace(options.UsersFile))
            errors.Add("Console: nobody could sign in: set Console__UsersFile (local accounts) or Console__Oidc__Authority (OpenID Connect).");
        if (oidc.Enabled)
        {
            if (!Uri.TryCreate(oidc.Authority, UriKind.Absolute, out var authority))
                errors.Add("Console__Oidc__Authority is not an absolute URL.");
            else if (authority.Scheme != Uri.UriSchemeHttps && !oidc.AllowHttpMetadata)
                errors.Add("Console__Oidc__Authority must be https (Console__Oidc__AllowHttpMetadata=true only for a provider on loopback).");
            if (string.IsNullOrWhiteSpace(oidc.ClientId))
                errors.Add("Console__Oidc__ClientId is required with Console__Oidc__Authority.");
            if (!string.IsNullOrWhiteSpace(oidc.ClientSecretFile) && !File.Exists(oidc.ClientSecretFile))
                errors.Add($"Console__Oidc__ClientSecretFile: {oidc.ClientSecretFile} does not exist.");
            else if (string.IsNullOrWhiteSpace(oidc.Secret()))
                errors.Add("Console__Oidc__ClientSecret (or Console__Oidc__ClientSecretFile) is required with Console__Oidc__Authority.");
            if (oidc.Reviewers.Count + oidc.Investigators.Count + oidc.Supervisors.Count == 0)
                errors.Add("Console__Oidc: no claim value maps to a role (Console__Oidc__Reviewers__0, __Investigators__0, __Supervisors__0): nobody could do anything.");
        }
        if (!string.IsNullOrWhiteSpace(options.UsersFile))
        {
            try
            {
                _ = LocalAccounts.Load(options.UsersFile);
            }
            catch (InvalidOperationException e)
            {
                errors.Add(e.Message);
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
