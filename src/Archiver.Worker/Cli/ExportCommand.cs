using System.CommandLine;
using System.Data;
using System.Globalization;
using System.Text.Json;
using Archiver.Worker.ReadSide;
using Archiver.Worker.Store.Checkpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Spectre.Console;

namespace Archiver.Worker.Cli;

internal static class ExportCommand
{
    public const int DefaultPageSize = 500;

    private static readonly JsonSerializerOptions ManifestJson = new(ConversationDocument.Json) { WriteIndented = true };

    public static Command Create()
    {
        var from = CliTime.Option("--from", "Export conversations that started at or after this time.");
        from.Required = true;
        var to = CliTime.Option("--to", "Export conversations that started before this time (exclusive).");
        to.Required = true;
        var format = new Option<string>("--format")
        {
            Description = "jsonl: conversations.jsonl, one object per conversation; csv: conversations.csv and messages.csv (RFC 4180); " +
                          "html: one self-contained transcripts.html.",
            DefaultValueFactory = _ => "jsonl",
        };
        format.AcceptOnlyFromAmong("jsonl", "csv", "html");
        var output = new Option<DirectoryInfo?>("--out")
        {
            Description = "The directory to write (created; must be empty if it exists). Default: ./export-<UTC timestamp>.",
        };
        var pageSize = new Option<int>("--page-size")
        {
            Description = "Conversations read per query (memory holds one page).",
            DefaultValueFactory = _ => DefaultPageSize,
        };
        pageSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
                r.AddError("--page-size must be at least 1");
        });
        var command = new Command("export",
            "Export the conversations that started in [--from, --to) from the read models, with their participants, CSAT and " +
            "messages with receipts, from one consistent snapshot. Writes manifest.json last: counts and the SHA-256 of every " +
            "file, so a recipient can check the export is complete and unchanged; with Integrity__SigningKeyFile, a checkpoint " +
            "taken for the export's snapshot, each conversation's stream heads, and manifest.sig. A progress bar on a terminal (stderr).")
        {
            from, to, format, output, pageSize,
        };
        command.Subcommands.Add(ExportVerifyCommand.Create());
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync("export", async ct =>
        {
            var start = parse.GetValue(from)!.Value;
            var end = parse.GetValue(to)!.Value;
            if (start >= end)
                throw new ArgumentException("--from must be before --to");
            var kind = parse.GetValue(format)!;
            await using var services = CliServices.Build();
            var stamp = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            var directory = parse.GetValue(output)?.FullName
                ?? Path.Combine(Environment.CurrentDirectory, $"export-{stamp.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}");
            var request = new ExportRequest(kind, directory, start, end, PageSize: parse.GetValue(pageSize));
            var exporter = services.GetRequiredService<Exporter>();

            ExportOutcome outcome;
            if (Console.IsErrorRedirected)
            {
                outcome = await exporter.ExportAsync(request, null, null, ct);
            }
            else
            {
                // A progress bar on a terminal (stderr), nothing on a pipe.
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
                outcome = await console.Progress().StartAsync(async context =>
                {
                    var task = context.AddTask($"exporting {kind}");
                    var done = await exporter.ExportAsync(request, total => task.MaxValue = Math.Max(1, total), written => task.Value = written, ct);
                    task.Value = task.MaxValue;
                    return done;
                });
            }
            if (!outcome.Signed)
                UnsignedExport();
            Console.WriteLine($"exported {outcome.Conversations:N0} conversation(s), {outcome.Messages:N0} message(s) as {kind} to {directory}");
            return CliAction.Success;
        }, cancellationToken));
        return command;
    }

    private static void UnsignedExport() =>
        Console.Error.WriteLine("archiver export: Integrity__SigningKeyFile is not set: the export is not signed and names no checkpoint (archiver export verify will refuse it)");
}
