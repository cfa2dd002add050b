using System.Text.RegularExpressions;
using Archiver.Worker.Sessions;

namespace Archiver.Worker.Coordination;

/// <summary>
/// One consumer kept in the registry (archive.consumer_registry, migration 0014): only what its flow needs. An
/// authenticated consumer is its customer's external id; the key its id tokens are signed with is shared by all of them
/// and configured (<c>LivePerson__Registry__SigningKeyFile</c>), never stored.
/// </summary>
public sealed partial record RegisteredConsumer(string Name, IdentityMode Mode, string Account, string? ExternalId, string? ConnectorId)
{
    /// <summary>What is wrong with it, naming the field (the same rules as the table's constraints), or null.</summary>
    public string? Problem()
    {
        if (!NamePattern().IsMatch(Name))
            return $"name '{Printable(Name)}' must be 1-200 letters, digits or . _ : @ + - and start with a letter or digit";
        if (string.IsNullOrWhiteSpace(Account))
            return $"consumer {Name}: the account is not set (--account, the CSV's account column, or LivePerson__AccountId)";
        if ((ExternalId ?? "").Any(char.IsControl) || (ConnectorId ?? "").Any(char.IsControl) || Account.Any(char.IsControl))
            return $"consumer {Name}: the account, external id and connector id may not contain control characters";
        return Mode switch
        {
            IdentityMode.Authenticated when string.IsNullOrWhiteSpace(ExternalId) => $"consumer {Name}: an Authenticated consumer needs an external id",
            IdentityMode.Authenticated when ConnectorId is not null => $"consumer {Name}: an Authenticated consumer takes no connector id",
            IdentityMode.Unauthenticated when string.IsNullOrWhiteSpace(ConnectorId) => $"consumer {Name}: an Unauthenticated consumer needs a connector id",
            IdentityMode.Unauthenticated when ExternalId is not null => $"consumer {Name}: an Unauthenticated consumer takes no external id",
            IdentityMode.Authenticated or IdentityMode.Unauthenticated => null,
            _ => $"consumer {Name}: the flow must be Authenticated or Unauthenticated (Signup is for demos only)",
        };
    }

    /// <summary>How it is listed: its flow's field, never a secret (a registry row holds none).</summary>
    public string Describe() => Mode == IdentityMode.Authenticated
        ? $"{Name}  Authenticated  account {Account}  external id {ExternalId}"
        : $"{Name}  Unauthenticated  account {Account}  connector {ConnectorId}";

    /// <summary>An identity as the sessions take it: authenticated ones mint id tokens with the shared key.</summary>
    public ConsumerOptions ToOptions(RegistryOptions shared) => Mode == IdentityMode.Authenticated
        ? new ConsumerOptions { Name = Name, Mode = Mode, ExternalId = ExternalId, SigningKeyFile = shared.SigningKeyFile, Issuer = shared.Issuer, KeyId = shared.KeyId }
        : new ConsumerOptions { Name = Name, Mode = Mode, ConnectorId = ConnectorId };

    /// <summary>A value as an error message may show it: control characters would forge log lines or terminal output.</summary>
    internal static string Printable(string value) =>
        value.Length > 80 ? Printable(value[..80]) + "…" : string.Concat(value.Select(c => char.IsControl(c) ? '?' : c));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}$")]
    private static partial Regex NamePattern();
}
