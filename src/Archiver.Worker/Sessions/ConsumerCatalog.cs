using Archiver.Domain.Consumers;

namespace Archiver.Worker.Sessions;

/// <summary>
/// The consumers a deployment holds: those configured (<c>LivePerson__Consumers__{i}</c>) and those in the registry for
/// its account, as identities the sessions take. Configuration wins a duplicate, which is reported, never held twice.
/// </summary>
internal static class ConsumerCatalog
{
    public static (Dictionary<string, ConsumerOptions> Consumers, List<string> Problems) Merge(
        IReadOnlyList<ConsumerOptions> configured, IReadOnlyList<RegisteredConsumer> registered, RegistryOptions shared)
    {
        var consumers = new Dictionary<string, ConsumerOptions>(StringComparer.Ordinal);
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        var customers = new Dictionary<(string Issuer, string ExternalId), string>();
        for (var i = 0; i < configured.Count; i++)
        {
            var c = configured[i];
            consumers[c.Name!] = c;
            keys[c.Name!] = $"LivePerson__Consumers__{i}";
            if (c is { Mode: IdentityMode.Authenticated, ExternalId: { } external } && string.IsNullOrWhiteSpace(c.IdToken))
                customers.TryAdd((c.Issuer, external), c.Name!);
        }

        var problems = new List<string>();
        foreach (var r in registered)
        {
            if (consumers.ContainsKey(r.Name))
            {
                problems.Add(keys.TryGetValue(r.Name, out var key)
                    ? $"consumer {r.Name} is both in configuration ({key}) and in the registry: the configured one is held; remove one of them"
                    : $"consumer {r.Name} is in the registry twice");
                continue;
            }
            if (r.Flow == ConsumerFlow.Authenticated)
            {
                if (customers.TryGetValue((shared.Issuer, r.ExternalId!), out var same))
                {
                    problems.Add($"registry consumer {r.Name} has the external id of configured consumer {same} (one customer, one consumer): the configured one is held; remove one of them");
                    continue;
                }
                if (string.IsNullOrWhiteSpace(shared.SigningKeyFile))
                {
                    problems.Add($"registry consumer {r.Name} is Authenticated but LivePerson__Registry__SigningKeyFile is not set: it is not held");
                    continue;
                }
            }
            consumers[r.Name] = Identity(r, shared);
        }
        return (consumers, problems);
    }

    /// <summary>A registry consumer as the sessions take an identity: authenticated ones mint id tokens with the shared key.</summary>
    private static ConsumerOptions Identity(RegisteredConsumer consumer, RegistryOptions shared) => consumer.Flow == ConsumerFlow.Authenticated
        ? new ConsumerOptions
        {
            Name = consumer.Name, Mode = IdentityMode.Authenticated, ExternalId = consumer.ExternalId,
            SigningKeyFile = shared.SigningKeyFile, Issuer = shared.Issuer, KeyId = shared.KeyId,
        }
        : new ConsumerOptions { Name = consumer.Name, Mode = IdentityMode.Unauthenticated, ConnectorId = consumer.ConnectorId };
}
