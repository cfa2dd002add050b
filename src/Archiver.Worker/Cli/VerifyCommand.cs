using System.CommandLine;
using Archiver.Worker.Store.Verification;
using Microsoft.Extensions.DependencyInjection;

namespace Archiver.Worker.Cli;

internal static class VerifyCommand
{
    public const int TamperingFound = 2;

    public static Command Create()
    {
        var command = new Command("verify",
            "Walk every stream's hash chain and name each (stream, position) whose content, order or chain no longer " +
            "matches. Exit code 2 when anything is found.");
        command.SetAction((_, cancellationToken) => CliAction.RunAsync("verify", async ct =>
        {
            await using var services = CliServices.Build();
            var progress = Console.IsErrorRedirected ? null : new Progress<long>(n => Console.Error.Write($"\rverified {n:N0} events"));
            var report = await services.GetRequiredService<EventLogVerifier>().VerifyAsync(progress, ct);
            if (progress is not null)
                Console.Error.WriteLine();
            foreach (var finding in report.Findings)
                Console.WriteLine(finding);
            Console.WriteLine(report.Intact
                ? $"intact: {report.EventsChecked} events in {report.StreamsChecked} streams verified"
                : $"NOT intact: {report.Findings.Count} finding(s) over {report.EventsChecked} events in {report.StreamsChecked} streams");
            return report.Intact ? CliAction.Success : TamperingFound;
        }, cancellationToken));
        return command;
    }
}
