using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Identity;

namespace Archiver.Worker.WebConsole;

/// <summary>One local account: a name, its password hashed by ASP.NET Core Identity's hasher (PBKDF2), its roles.</summary>
public sealed record LocalAccount(string Name, string PasswordHash, IReadOnlyList<string> Roles);

/// <summary>
/// Local accounts (docs/console.md): the demo's and small installations' alternative to OpenID Connect, kept in a JSON
/// file (<c>Console__UsersFile</c>) that <c>archiver console add-user</c> writes. Passwords are never stored, only
/// ASP.NET Core Identity's salted PBKDF2 hashes; verification takes constant time.
/// </summary>
public sealed class LocalAccounts(IReadOnlyList<LocalAccount> accounts)
{
    private static readonly PasswordHasher<string> Hasher = new();

    /// <summary>A hash checked against when the name is unknown, so a wrong name costs what a wrong password does.</summary>
    private static readonly string Decoy = Hasher.HashPassword("", Guid.NewGuid().ToString("N"));

    public IReadOnlyList<LocalAccount> Accounts { get; } = accounts;

    /// <summary>The account whose name and password these are, or null.</summary>
    public LocalAccount? Verify(string name, string password)
    {
        var account = Accounts.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));
        var result = Hasher.VerifyHashedPassword(name, account?.PasswordHash ?? Decoy, password);
        return account is not null && result != PasswordVerificationResult.Failed ? account : null;
    }

    public static string Hash(string name, string password) => Hasher.HashPassword(name, password);

    public static LocalAccounts Load(string file)
    {
        if (!File.Exists(file))
            throw new InvalidOperationException($"Console__UsersFile: {file} does not exist (create it with `archiver console add-user`).");
        try
        {
            var stored = JsonSerializer.Deserialize(File.ReadAllText(file), AccountsJson.Default.StoredAccounts)
                ?? throw new InvalidOperationException($"Console__UsersFile: {file} is empty.");
            foreach (var account in stored.Users)
            {
                if (string.IsNullOrWhiteSpace(account.Name) || string.IsNullOrWhiteSpace(account.PasswordHash))
                    throw new InvalidOperationException($"Console__UsersFile: {file} holds a user without a name or a password hash.");
                if (account.Roles.Count == 0 || account.Roles.Any(r => !ConsoleRoles.All.Contains(r)))
                    throw new InvalidOperationException($"Console__UsersFile: user '{account.Name}' needs roles among {string.Join(", ", ConsoleRoles.All)}.");
            }
            return new LocalAccounts(stored.Users);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"Console__UsersFile: {file} is not a users file ({e.Message}).");
        }
    }

    /// <summary>Adds or replaces a user in the file (created readable by its owner only).</summary>
    public static void Save(string file, string name, string password, IReadOnlyList<string> roles)
    {
        var users = File.Exists(file) ? Load(file).Accounts.Where(a => a.Name != name).ToList() : [];
        users.Add(new LocalAccount(name, Hash(name, password), roles));
        var json = JsonSerializer.Serialize(new StoredAccounts(users), AccountsJson.Default.StoredAccounts);
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, json);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, file, overwrite: true);
    }
}

internal sealed record StoredAccounts(IReadOnlyList<LocalAccount> Users);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(StoredAccounts))]
internal sealed partial class AccountsJson : JsonSerializerContext;
