using System.CommandLine;
using System.Globalization;
using Archiver.Worker.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Cli;

/// <summary><c>archiver retention plan|run</c> (docs/compliance.md).</summary>
internal static class RetentionCommand
{
    public static Command Create()
    {
        var plan = new Command("plan",
            "Dry run: which closed conversations the retention rules (Retention__Rules__{i}__…) would dispose of now, per rule with counts and " +
            "the oldest and newest end, and how many of them legal holds keep. Changes nothing.");
        plan.SetAction((_, cancellationToken) => CliAction.RunAsync("retention plan", async ct =>
        {
            await using var services = CliServices.Build();
            var rules = services.GetRequiredService<IOptions<RetentionOptions>>().Value.Rules; // configuration errors are named here
            if (rules.Count == 0)
            {
                Console.WriteLine("no retention rules (Retention__Rules__{i}__…): everything is kept");
                return CliAction.Success;
            }
            var due = await services.GetRequiredService<Retention>().PlanAsync(ct);
            foreach (var rule in rules)
            {
                var mine = due.Where(d => d.Rule == rule).ToList();
                var held = mine.Count(d => d.Held);
                var range = mine.Count == 0 ? "" :
                    $", ended {mine.Min(d => d.Conversation.EndTs)!.Value:yyyy-MM-dd} to {mine.Max(d => d.Conversation.EndTs)!.Value:yyyy-MM-dd}";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"rule {rule.Name} ({rule.Days} days{(rule.MustKeep ? ", must keep" : "")}): {mine.Count - held} to dispose of{range}; {held} held"));
            }
            Console.WriteLine($"total: {due.Count(d => !d.Held)} conversation(s) to dispose of, {due.Count(d => d.Held)} kept by legal holds");
            return CliAction.Success;
        }, cancellationToken));

        var run = new Command("run",
            "Dispose of every closed conversation whose retention is over and that no legal hold keeps: each in one transaction that removes its " +
            "events, streams, conflicts, rejections and read-model rows and issues a disposal certificate. Run it as the tables' owner.");
        run.SetAction((_, cancellationToken) => CliAction.RunAsync("retention run", async ct =>
        {
            await using var services = CliServices.Build();
            var configured = services.GetRequiredService<IOptions<RetentionOptions>>().Value; // configuration errors are named here
            if (configured.Rules.Count == 0)
                throw new InvalidOperationException("no retention rules (Retention__Rules__{i}__…): nothing is ever disposed of");
            var outcomes = await services.GetRequiredService<Retention>().RunAsync(o =>
                Console.WriteLine(o.Done
                    ? $"disposed of {o.ConversationId}: {o.Events} event(s), certificate {o.Certificate}"
                    : $"kept {o.ConversationId}: {o.Refusal}"), ct);
            Console.WriteLine($"disposed of {outcomes.Count(o => o.Done)} conversation(s); {outcomes.Count(o => !o.Done)} kept");
            return CliAction.Success;
        }, cancellationToken));

        var command = new Command("retention", "Retention: dispose of closed conversations whose time is over, with a certificate each.");
        command.Subcommands.Add(plan);
        command.Subcommands.Add(run);
        return command;
    }
}
