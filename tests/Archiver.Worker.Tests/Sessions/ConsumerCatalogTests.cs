using Archiver.Domain.Consumers;
using Archiver.Worker.Sessions;

namespace Archiver.Worker.Tests.Sessions;

/// <summary>Configured and registry consumers together: a duplicate is reported and held once, as configured.</summary>
public sealed class ConsumerCatalogTests
{
    private static readonly RegistryOptions Shared = new() { SigningKeyFile = "/keys/brand.pem", Issuer = "https://brand.example", KeyId = "k1" };

    private static readonly ConsumerOptions[] Configured =
    [
        new() { Name = "configured-1", Mode = IdentityMode.Signup },
        new() { Name = "configured-2", Mode = IdentityMode.Authenticated, SigningKeyFile = "/keys/other.pem", ExternalId = "cust-7", Issuer = "https://brand.example" },
    ];

    [Fact]
    public void Registry_consumers_join_the_configured_ones_with_the_shared_key()
    {
        var (consumers, problems) = ConsumerCatalog.Merge(Configured,
        [
            new RegisteredConsumer("reg-1", ConsumerFlow.Authenticated, "brand", "cust-1", null),
            new RegisteredConsumer("reg-2", ConsumerFlow.Unauthenticated, "brand", null, "connector-1"),
        ], Shared);

        Assert.Empty(problems);
        Assert.Equal(["configured-1", "configured-2", "reg-1", "reg-2"], consumers.Keys.Order(StringComparer.Ordinal));
        var authenticated = consumers["reg-1"];
        Assert.Equal((IdentityMode.Authenticated, "cust-1", "/keys/brand.pem", "https://brand.example", "k1"),
            (authenticated.Mode!.Value, authenticated.ExternalId, authenticated.SigningKeyFile, authenticated.Issuer, authenticated.KeyId));
        Assert.Equal((IdentityMode.Unauthenticated, "connector-1"), (consumers["reg-2"].Mode!.Value, consumers["reg-2"].ConnectorId));
    }

    [Fact]
    public void A_duplicate_of_a_configured_consumer_is_reported_and_the_configured_one_kept()
    {
        var (consumers, problems) = ConsumerCatalog.Merge(Configured,
        [
            new RegisteredConsumer("configured-1", ConsumerFlow.Unauthenticated, "brand", null, "connector-1"),
            new RegisteredConsumer("same-customer", ConsumerFlow.Authenticated, "brand", "cust-7", null),
        ], Shared);

        Assert.Equal(
        [
            "consumer configured-1 is both in configuration (LivePerson__Consumers__0) and in the registry: the configured one is held; remove one of them",
            "registry consumer same-customer has the external id of configured consumer configured-2 (one customer, one consumer): the configured one is held; remove one of them",
        ], problems);
        Assert.Equal(["configured-1", "configured-2"], consumers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(IdentityMode.Signup, consumers["configured-1"].Mode);
    }

    [Fact]
    public void An_authenticated_registry_consumer_without_the_shared_key_is_reported_not_held()
    {
        var (consumers, problems) = ConsumerCatalog.Merge([], [new RegisteredConsumer("reg-1", ConsumerFlow.Authenticated, "brand", "cust-1", null)], new RegistryOptions());

        Assert.Empty(consumers);
        Assert.Equal(["registry consumer reg-1 is Authenticated but LivePerson__Registry__SigningKeyFile is not set: it is not held"], problems);
    }
}
