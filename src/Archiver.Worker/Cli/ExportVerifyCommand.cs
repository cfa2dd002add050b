using System.CommandLine;
using Archiver.Worker.ReadSide;

namespace Archiver.Worker.Cli;

internal static class ExportVerifyCommand
{
    public static Command Create()
    {
        var directory = new Argument<DirectoryInfo>("DIR") { Description = "The export's directory (manifest.json, manifest.sig and its files)." };
        var publicKey = new Option<FileInfo>("--public-key") { Description = "PEM file of the checkpoint key's public half.", Required = true };
        var command = new Command("verify",
            "Check a received export offline, with no database: the manifest's signature and its checkpoint's, every file's size and " +
            "SHA-256, nothing missing or added, and the completeness the manifest claims. Exit code 2 when anything does not hold.")
        {
            directory, publicKey,
        };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync("export verify", ct =>
        {
            var dir = parse.GetValue(directory)!;
            if (!dir.Exists)
                throw new DirectoryNotFoundException($"{dir.FullName} is not a directory");
            var problems = ExportVerifier.Verify(dir.FullName, parse.GetValue(publicKey)!.FullName);
            foreach (var problem in problems)
                Console.WriteLine(problem);
            Console.WriteLine(problems.Count == 0 ? $"verified: {dir.FullName} is complete, unchanged and signed" : $"NOT verified: {problems.Count} problem(s)");
            return Task.FromResult(problems.Count == 0 ? CliAction.Success : VerifyCommand.TamperingFound);
        }, cancellationToken));
        return command;
    }
}
