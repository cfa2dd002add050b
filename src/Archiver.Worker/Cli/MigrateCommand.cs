using System.CommandLine;
using Archiver.Worker.Lifecycle;
using Archiver.Worker.Store.Migrations;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;

namespace Archiver.Worker.Cli;

internal static class MigrateCommand
{
    public static Command Create()
    {
        var directory = new Option<DirectoryInfo?>("--migrations-dir")
        {
            Description = "Apply the scripts in this folder instead of the ones built into archiver (for checking a release).",
        };
        var command = new Command("migrate",
            "Apply pending schema migrations, each in its own transaction. Refuses to run, naming the file, if an applied " +
            "migration was changed since.") { directory };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync("migrate", async ct =>
        {
            await using var services = CliServices.Build();
            var dir = parse.GetValue(directory);
            var migrations = dir is null ? Migration.Embedded() : Migration.FromDirectory(dir.FullName);
            var report = await services.GetRequiredService<MigrationRunner>().MigrateAsync(migrations, ct);
            foreach (var applied in report.Applied)
                Console.WriteLine($"applied {applied}");
            Console.WriteLine($"schema version {report.SchemaVersion} ({report.Applied.Count} applied now)");
            // An archive with no masking rules in force gets the configured ones (Masking__Rules, or the built-in five).
            var rules = services.GetRequiredService<IOptions<MaskingOptions>>().Value.ToRuleSet();
            if (await services.GetRequiredService<MaskingApplier>().EnsureInForceAsync(rules, ct) is { } masked)
                Console.WriteLine($"masking rules {masked.SetId} put in force: {masked.MessagesChanged} message(s) and {masked.AnswersChanged} answer(s) masked");
            return CliAction.Success;
        }, cancellationToken));
        return command;
    }
}
