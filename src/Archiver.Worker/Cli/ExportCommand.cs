using System.CommandLine;
using System.Data;
using System.Globalization;
using System.Text.Json;
using Archiver.Worker.Cli.Export;
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
            var createdAt = DateTime.UtcNow;
            var directory = parse.GetValue(output)?.FullName
                ?? Path.Combine(Environment.CurrentDirectory, $"export-{createdAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}");
            if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
                throw new IOException($"{directory} is not empty: an export goes into a new or empty directory");

            await using var services = CliServices.Build();
            await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(ct);
            // One snapshot for the count and every page: the worker may go on appending meanwhile. With the checkpoint key,
            // it is the snapshot of a checkpoint taken now, so the export states exactly what a signed checkpoint covers.
            var checkpointer = services.GetRequiredService<Checkpointer>();
            NpgsqlTransaction? transaction = null;
            SignedCheckpoint? checkpoint = null;
            if (checkpointer.Enabled)
            {
                await using (var may = new NpgsqlCommand("""
                    SELECT has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'INSERT')
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'archive' AND c.relname = 'checkpoints'
                    """, connection))
                {
                    if (await may.ExecuteScalarAsync(ct) is not true)
                    {
                        throw new InvalidOperationException(
                            "this login cannot take a checkpoint, which a signed export names (a member of compliance can); " +
                            "without Integrity__SigningKeyFile the export is made unsigned");
                    }
                }
                checkpoint = await checkpointer.TakeAsync(ct, async snapshot =>
                {
                    transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
                    await using var import = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshot}'; SET TRANSACTION READ ONLY", connection, transaction);
                    await import.ExecuteNonQueryAsync(ct);
                });
            }
            else
            {
                transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
                await using var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction);
                await readOnly.ExecuteNonQueryAsync(ct);
                UnsignedExport();
            }
            await using var _ = transaction!;
            var reader = new ConversationReader(connection, await ReadSide.TextSource.ForAsync(connection, ct));
            var streams = new List<ManifestConversation>();
            var total = await reader.CountAsync(start, end, ct);

            Directory.CreateDirectory(directory);
            long conversations = 0, messages = 0;
            IReadOnlyList<string> files;
            await using (var writer = Writer(kind, directory, start, end))
            {
                async Task RunAsync(Action? report)
                {
                    await foreach (var page in reader.PagesAsync(start, end, parse.GetValue(pageSize), ct))
                    {
                        foreach (var conversation in page)
                        {
                            await writer.WriteAsync(conversation, ct);
                            conversations++;
                            messages += conversation.Messages.Count;
                        }
                        if (checkpoint is not null)
                            streams.AddRange(await ConversationStreams.ReadAsync(connection, page.Select(c => c.ConversationId).ToList(), ct));
                        report?.Invoke();
                    }
                    await writer.CompleteAsync(ct);
                }

                if (Console.IsErrorRedirected)
                {
                    await RunAsync(null);
                }
                else
                {
                    // A progress bar on a terminal (stderr), nothing on a pipe.
                    var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
                    await console.Progress().StartAsync(async context =>
                    {
                        var task = context.AddTask($"exporting {kind}", maxValue: Math.Max(1, total));
                        await RunAsync(() => task.Value = conversations);
                        task.Value = task.MaxValue;
                    });
                }
                files = writer.Files;
            }
            await transaction!.CommitAsync(ct);

            var described = new List<ManifestFile>();
            foreach (var file in files)
                described.Add(await ExportFiles.DescribeAsync(directory, file, ct));
            var manifest = new ExportManifest(kind, start, end, createdAt, conversations, messages, described);
            if (checkpoint is not null)
            {
                manifest = manifest with
                {
                    KeyId = checkpoint.KeyId,
                    Checkpoint = new CheckpointFile(checkpoint.Number, checkpoint.KeyId, checkpoint.Payload, Convert.ToBase64String(checkpoint.Signature)),
                    ConversationStreams = streams,
                };
            }
            var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJson);
            await using (var stream = ExportFiles.Create(directory, ExportManifest.FileName))
                await stream.WriteAsync(manifestBytes, ct);
            if (checkpoint is not null)
            {
                using var key = CheckpointKey.LoadPrivate(services.GetRequiredService<IOptions<IntegrityOptions>>().Value.SigningKeyFile!, "Integrity__SigningKeyFile");
                await using var signature = ExportFiles.Create(directory, ExportManifest.SignatureFileName);
                await signature.WriteAsync(CheckpointKey.Sign(key, manifestBytes), ct);
            }

            Console.WriteLine($"exported {conversations:N0} conversation(s), {messages:N0} message(s) as {kind} to {directory}");
            return CliAction.Success;
        }, cancellationToken));
        return command;
    }

    private static void UnsignedExport() =>
        Console.Error.WriteLine("archiver export: Integrity__SigningKeyFile is not set: the export is not signed and names no checkpoint (archiver export verify will refuse it)");

    private static IExportWriter Writer(string format, string directory, DateTime from, DateTime to) => format switch
    {
        "jsonl" => new JsonlExportWriter(directory),
        "csv" => new CsvExportWriter(directory),
        "html" => new HtmlExportWriter(directory, from, to),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown export format"),
    };
}
