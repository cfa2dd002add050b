using Archiver.Testing.Oidc;

namespace Archiver.Oidc.Tests.Harness;

/// <summary>The people the tests sign in: Alice, an investigator in one group; Bob, in two, named by login_hint.</summary>
internal static class TestUsers
{
    public static OidcUser Alice { get; } = new("alice", new Dictionary<string, string[]>
    {
        ["groups"] = ["archive-investigators"],
        ["name"] = ["Alice"],
        ["email"] = ["alice@example.test"],
    });

    public static OidcUser Bob { get; } = new("bob", new Dictionary<string, string[]>
    {
        ["groups"] = ["archive-admins", "archive-investigators"],
        ["name"] = ["Bob"],
    });
}
