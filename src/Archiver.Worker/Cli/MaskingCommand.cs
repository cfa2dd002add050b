using System.CommandLine;
using Archiver.Worker.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Cli;

/// <summary><c>archiver masking show|apply</c> (docs/compliance.md).</summary>
internal static class MaskingCommand
{
    public static Command Create()
    {
        var show = new Command("show", "The masking rules in force in the archive (what analysts read is masked with), and whether the configured ones differ.");
        show.SetAction((_, cancellationToken) => CliAction.RunAsync("masking show", async ct =>
        {
            await using var services = CliServices.Build();
            var configured = services.GetRequiredService<IOptions<MaskingOptions>>().Value.ToRuleSet();
            var inForce = await services.GetRequiredService<MaskingApplier>().InForceAsync(ct);
            if (inForce is { } rules)
            {
                Console.WriteLine($"in force: {rules.SetId}, applied {rules.AppliedAt:yyyy-MM-dd HH:mm:ss} UTC by {rules.AppliedBy}");
                Console.WriteLine($"  {rules.Rules}");
            }
            else
            {
                Console.WriteLine("in force: none (nothing is masked): run `archiver masking apply`");
            }
            Console.WriteLine(inForce?.SetId == configured.Id
                ? "configured: the same"
                : $"configured: {configured.Id}, not in force: `archiver masking apply` puts it in force\n  {configured.ToCanonicalJson()}");
            return CliAction.Success;
        }, cancellationToken));

        var apply = new Command("apply",
            "Put the configured masking rules (Masking__Rules__{i}__…, or the built-in five) in force and re-mask every message and survey " +
            "answer analysts read with them, from the originals. Recorded with who and when. Run it as the tables' owner.");
        apply.SetAction((_, cancellationToken) => CliAction.RunAsync("masking apply", async ct =>
        {
            await using var services = CliServices.Build();
            var rules = services.GetRequiredService<IOptions<MaskingOptions>>().Value.ToRuleSet();
            var applied = await services.GetRequiredService<MaskingApplier>().ApplyAsync(rules, ct);
            Console.WriteLine(applied.Changed
                ? $"masking rules {applied.SetId} in force (were {applied.PreviousSetId ?? "none"}): {applied.MessagesChanged} message(s) and {applied.AnswersChanged} survey answer(s) re-masked"
                : $"masking rules {applied.SetId} are already in force: nothing to do");
            return CliAction.Success;
        }, cancellationToken));

        var command = new Command("masking", "Masking for analysts: which rules are in force, and changing them.");
        command.Subcommands.Add(show);
        command.Subcommands.Add(apply);
        return command;
    }
}
