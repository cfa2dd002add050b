using System.CommandLine;
using System.Text.Json.Nodes;
using Archiver.Domain.Archive;
using Archiver.Worker.Store;
using Archiver.Worker.Projections;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Archiver.Worker.Cli;

internal static class ProjectionsCommand
{
    public static Command Create()
    {
        var rebuild = new Command("rebuild",
            "Empty every read model and replay the whole event log through the projections, in one transaction " +
            "(appends wait until it commits; readers see the old rows until then).");
        rebuild.SetAction((_, cancellationToken) => CliAction.RunAsync("projections rebuild", async ct =>
        {
            await using var services = CliServices.Build();
            var rebuilder = services.GetRequiredService<ProjectionRebuilder>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long events;
            if (Console.IsErrorRedirected)
            {
                events = await rebuilder.RebuildAsync(null, ct);
            }
            else
            {
                // A progress bar on a terminal (stderr), nothing on a pipe.
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
                events = await console.Progress().StartAsync(async context =>
                {
                    var task = context.AddTask("rebuilding read models");
                    return await rebuilder.RebuildAsync(new Progress<ProjectionRebuilder.Progress>(p =>
                    {
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Events;
                    }), ct);
                });
            }
            // A privileged operation (the owner's): recorded in the admin stream, which the checkpoints cover.
            await services.GetRequiredService<AdminLog>().RecordAsync(ArchiveEventTypes.ProjectionsRebuilt, Guid.NewGuid().ToString("N"),
                new JsonObject { ["events"] = events, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1) }, ct);
            Console.WriteLine($"rebuilt read models from {events:N0} events in {clock.Elapsed.TotalSeconds:F1} s");
            return CliAction.Success;
        }, cancellationToken));

        var command = new Command("projections", "Read-model operations.");
        command.Subcommands.Add(rebuild);
        return command;
    }
}
