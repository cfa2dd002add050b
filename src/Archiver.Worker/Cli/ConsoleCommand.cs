using System.CommandLine;
using Archiver.Worker.WebConsole;

namespace Archiver.Worker.Cli;

/// <summary><c>archiver console</c> and <c>archiver console add-user</c> (docs/console.md).</summary>
internal static class ConsoleCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The user's name, as they sign in." };
        var roles = new Option<string[]>("--role")
        {
            Description = "reviewer, investigator or supervisor (repeatable).", Required = true, AllowMultipleArgumentsPerToken = true,
        };
        roles.AcceptOnlyFromAmong([.. ConsoleRoles.All]);
        var file = new Option<FileInfo?>("--users-file") { Description = "The users file (default: Console__UsersFile)." };
        var addUser = new Command("add-user",
            "Add a local account, or replace its password and roles: the password is read from standard input (one line), " +
            "hashed (ASP.NET Core Identity's PBKDF2) and never stored or shown.") { name, roles, file };
        addUser.SetAction((parse, cancellationToken) => CliAction.RunAsync("console add-user", async ct =>
        {
            var path = parse.GetValue(file)?.FullName ?? Environment.GetEnvironmentVariable("Console__UsersFile")
                ?? throw new ArgumentException("give --users-file or set Console__UsersFile");
            var password = await System.Console.In.ReadLineAsync(ct);
            if (string.IsNullOrEmpty(password) || password.Length < 12)
                throw new ArgumentException("the password (one line on standard input) must have at least 12 characters");
            LocalAccounts.Save(path, parse.GetValue(name)!, password, [.. parse.GetValue(roles)!.Distinct()]);
            System.Console.WriteLine($"user {parse.GetValue(name)} saved in {path}");
            return CliAction.Success;
        }, cancellationToken));

        var command = new Command("console",
            "Run the reviewer console: search, read and export conversations in a browser, legal holds and the access audit trail " +
            "(Console__Address:Console__Port, 127.0.0.1:8080 by default; sign-in with Console__UsersFile or Console__Oidc__…).");
        command.SetAction((_, cancellationToken) => CliAction.RunAsync("console", ConsoleHost.RunAsync, cancellationToken));
        command.Subcommands.Add(addUser);
        return command;
    }
}
