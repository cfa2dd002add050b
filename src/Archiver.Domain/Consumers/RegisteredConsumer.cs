using System.Text.RegularExpressions;

namespace Archiver.Domain.Consumers;

/// <summary>The flows a registry consumer may use (Signup creates a new consumer on every signup: demos only).</summary>
public enum ConsumerFlow
{
    /// <summary>An id token for the customer's external id, signed with the brand's key, exchanged for a consumer JWT.</summary>
    Authenticated,

    /// <summary>The unauthenticated connector flow.</summary>
    Unauthenticated,
}

/// <summary>
/// One consumer kept in the registry (archive.consumer_registry, migration 0014): only what its flow needs. An
/// authenticated consumer is its customer's external id; the key its id tokens are signed with is shared by all of them
/// and configured (<c>LivePerson__Registry__SigningKeyFile</c>), never stored.
/// </summary>
public sealed partial record RegisteredConsumer(string Name, ConsumerFlow Flow, string Account, string? ExternalId, string? ConnectorId)
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
        return Flow switch
        {
            ConsumerFlow.Authenticated when string.IsNullOrWhiteSpace(ExternalId) => $"consumer {Name}: an Authenticated consumer needs an external id",
            ConsumerFlow.Authenticated when ConnectorId is not null => $"consumer {Name}: an Authenticated consumer takes no connector id",
            ConsumerFlow.Unauthenticated when string.IsNullOrWhiteSpace(ConnectorId) => $"consumer {Name}: an Unauthenticated consumer needs a connector id",
            ConsumerFlow.Unauthenticated when ExternalId is not null => $"consumer {Name}: an Unauthenticated consumer takes no external id",
            ConsumerFlow.Authenticated or ConsumerFlow.Unauthenticated => null,
            _ => $"consumer {Name}: the flow must be Authenticated or Unauthenticated (Signup is for demos only)",
        };
    }

    /// <summary>
    /// The flow named by <paramref name="text"/> (any case), or null. Signup, the third identity mode, is refused with
    /// its reason.
    /// </summary>
    public static ConsumerFlow? ParseFlow(string? text, out string problem)
    {
        problem = "";
        if (string.Equals(text?.Trim(), nameof(ConsumerFlow.Authenticated), StringComparison.OrdinalIgnoreCase))
            return ConsumerFlow.Authenticated;
        if (string.Equals(text?.Trim(), nameof(ConsumerFlow.Unauthenticated), StringComparison.OrdinalIgnoreCase))
            return ConsumerFlow.Unauthenticated;
        problem = string.Equals(text?.Trim(), "Signup", StringComparison.OrdinalIgnoreCase)
            ? "the flow must be Authenticated or Unauthenticated (Signup is for demos only)"
            : $"flow '{Printable(text ?? "")}' is not Authenticated or Unauthenticated";
        return null;
    }

    /// <summary>How it is listed: its flow's field, never a secret (a registry row holds none).</summary>
    public string Describe() => Flow == ConsumerFlow.Authenticated
        ? $"{Name}  Authenticated  account {Account}  external id {ExternalId}"
        : $"{Name}  Unauthenticated  account {Account}  connector {ConnectorId}";

    /// <summary>A value as an error message may show it: control characters would forge log lines or terminal output.</summary>
    public static string Printable(string value) =>
        value.Length > 80 ? Printable(value[..80]) + "…" : string.Concat(value.Select(c => char.IsControl(c) ? '?' : c));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}$")]
    private static partial Regex NamePattern();
}
