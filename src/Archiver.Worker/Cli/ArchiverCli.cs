using System.CommandLine;
using Archiver.Worker.Hosting;

namespace Archiver.Worker.Cli;

/// <summary>
/// <c>archiver</c>: with no subcommand it runs the worker; subcommands are operations. Exit codes: 0 success,
/// 1 failure (one line on stderr says why), 2 <c>verify</c> found tampering.
/// </summary>
public static class ArchiverCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "Archiver: an event-sourced archive of LivePerson messaging conversations. With no subcommand, runs the worker " +
            "(configuration from appsettings.json and environment variables such as ConnectionStrings__Archive).");
        root.SetAction((_, cancellationToken) => CliAction.RunAsync("run", WorkerHost.RunAsync, cancellationToken));
        root.Subcommands.Add(MigrateCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(CheckpointCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(ProjectionsCommand.Create());
        root.Subcommands.Add(TranscriptCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(SearchCommand.Create());
        root.Subcommands.Add(RetentionCommand.Create());
        root.Subcommands.Add(HoldsCommand.Create());
        root.Subcommands.Add(EraseCommand.Create());
        root.Subcommands.Add(MaskingCommand.Create());
        root.Subcommands.Add(ConsoleCommand.Create());
        root.Subcommands.Add(ConsumersCommand.Create());
        return root;
    }
}
