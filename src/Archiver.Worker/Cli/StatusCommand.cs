using System.CommandLine;
using System.Text.Json;
using Archiver.Worker.Store;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Archiver.Worker.Cli;

internal static class StatusCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("status", "Show the schema version, event and stream counts, conflicts, rejections by reason and the last append.") { json };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync("status", async ct =>
        {
            await using var services = CliServices.Build();
            var dataSource = services.GetRequiredService<NpgsqlDataSource>();
            var status = await StoreStatus.ReadAsync(dataSource, ct);
            if (status.SchemaVersion is not null)
                status = status with { Lifecycle = await Lifecycle.LifecycleStatus.ReadAsync(dataSource, ct) };
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(status, JsonSerializerOptions.Web));
                return CliAction.Success;
            }
            Console.WriteLine($"schema version : {(status.SchemaVersion is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none (run archiver migrate)")}");
            Console.WriteLine($"events         : {status.Events:N0}");
            Console.WriteLine($"streams        : {status.Streams:N0}");
            Console.WriteLine($"conflicts      : {status.Conflicts:N0}");
            Console.WriteLine($"last append    : {status.LastAppendAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "never"}");
            Console.WriteLine($"database size  : {status.DatabaseBytes / (1024.0 * 1024.0):N1} MiB");
            // Changes archived but not mapped or projected as they came, and frames with no change in them (docs/ingestion.md).
            Console.WriteLine($"rejections     : {status.Rejections.Values.Sum():N0}");
            foreach (var (reason, count) in status.Rejections)
                Console.WriteLine($"  {reason,-40} {count:N0}");
            if (status.Lifecycle is { } lifecycle)
            {
                // docs/compliance.md
                Console.WriteLine($"certificates   : {lifecycle.Disposals:N0} disposal(s), {lifecycle.Erasures:N0} erasure(s)");
                Console.WriteLine($"legal holds    : {lifecycle.ActiveHolds:N0} active, {lifecycle.ReleasedHolds:N0} released");
                Console.WriteLine($"masking rules  : {lifecycle.MaskingRules ?? "none in force (run archiver masking apply)"}");
                Console.WriteLine($"erased at source: {lifecycle.SourceDeletions:N0} message(s) (readmodel.source_deletions)");
            }
            return CliAction.Success;
        }, cancellationToken));
        return command;
    }
}
