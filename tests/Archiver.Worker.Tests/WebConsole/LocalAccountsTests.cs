using Archiver.Worker.WebConsole;

namespace Archiver.Worker.Tests.WebConsole;

/// <summary>Local accounts (issue 15): only hashes are stored, the file is its owner's alone, a wrong password or name is refused, and a bad file is named.</summary>
public sealed class LocalAccountsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("archiver-accounts-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_saved_account_verifies_with_its_password_only_and_the_file_holds_no_password()
    {
        var file = Path.Combine(_directory, "users.json");
        LocalAccounts.Save(file, "alice", "correct horse battery", [ConsoleRoles.Investigator, ConsoleRoles.Supervisor]);
        LocalAccounts.Save(file, "bob", "another long password", [ConsoleRoles.Reviewer]);
        LocalAccounts.Save(file, "alice", "a new password for alice", [ConsoleRoles.Investigator]); // replaced

        var accounts = LocalAccounts.Load(file);
        Assert.Equal(["bob", "alice"], accounts.Accounts.Select(a => a.Name));
        Assert.Equal([ConsoleRoles.Investigator], accounts.Verify("alice", "a new password for alice")!.Roles);
        Assert.Null(accounts.Verify("alice", "correct horse battery"));
        Assert.Null(accounts.Verify("carol", "a new password for alice"));
        var text = File.ReadAllText(file);
        Assert.DoesNotContain("password for alice", text, StringComparison.Ordinal);
        Assert.DoesNotContain("another long password", text, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Theory]
    [InlineData("not json", "is not a users file")]
    [InlineData("""{"users":[{"name":"x","passwordHash":"h","roles":["admin"]}]}""", "user 'x' needs roles among reviewer, investigator, supervisor")]
    [InlineData("""{"users":[{"name":"","passwordHash":"h","roles":["reviewer"]}]}""", "holds a user without a name or a password hash")]
    public void A_bad_users_file_is_refused_naming_the_key(string content, string message)
    {
        var file = Path.Combine(_directory, "users.json");
        File.WriteAllText(file, content);

        var refused = Assert.Throws<InvalidOperationException>(() => LocalAccounts.Load(file));

        Assert.StartsWith("Console__UsersFile: ", refused.Message, StringComparison.Ordinal);
        Assert.Contains(message, refused.Message, StringComparison.Ordinal);
    }
}
