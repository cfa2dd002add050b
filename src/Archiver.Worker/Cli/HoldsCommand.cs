using System.CommandLine;
using System.Globalization;
using Archiver.Worker.Lifecycle;
using Microsoft.Extensions.DependencyInjection;

namespace Archiver.Worker.Cli;

/// <summary><c>archiver holds create|list|release</c> (docs/compliance.md).</summary>
internal static class HoldsCommand
{
    public static Command Create()
    {
        var caseId = new Option<string>("--case") { Description = "The case or matter the hold is for.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why.", Required = true };
        var conversation = new Option<string[]>("--conversation") { Description = "Hold this conversation (repeatable).", AllowMultipleArgumentsPerToken = true };
        var consumer = new Option<string[]>("--consumer") { Description = "Hold every conversation of this consumer id (repeatable).", AllowMultipleArgumentsPerToken = true };
        var agent = new Option<string[]>("--agent") { Description = "Hold every conversation this agent took part in (repeatable).", AllowMultipleArgumentsPerToken = true };
        var from = CliTime.Option("--from", "Hold conversations that started at or after this time.");
        var to = CliTime.Option("--to", "Hold conversations that started before this time.");
        var query = new Option<string?>("--query") { Description = "Hold conversations in which these words were said (full-text, as `archiver search`)." };
        var create = new Command("create",
            "Place a legal hold: the conversations matching every criterion given are never disposed of or erased, including those archived " +
            "later, until the hold is released.")
        {
            caseId, reason, conversation, consumer, agent, from, to, query,
        };
        create.SetAction((parse, cancellationToken) => CliAction.RunAsync("holds create", async ct =>
        {
            var scope = new HoldScope(parse.GetValue(conversation) ?? [], parse.GetValue(consumer) ?? [], parse.GetValue(agent) ?? [],
                Utc(parse.GetValue(from)), Utc(parse.GetValue(to)), parse.GetValue(query));
            await using var services = CliServices.Build();
            var holds = services.GetRequiredService<LegalHolds>();
            var id = await holds.CreateAsync(parse.GetValue(caseId)!, parse.GetValue(reason)!, scope, ct);
            var held = (await holds.ListAsync(ct)).Single(h => h.HoldId == id).Conversations;
            Console.WriteLine($"hold {id} placed for case {parse.GetValue(caseId)}: {held} conversation(s) held now");
            return CliAction.Success;
        }, cancellationToken));

        var list = new Command("list", "Every hold, active and released, with its scope, who placed and released it, when and why.");
        list.SetAction((_, cancellationToken) => CliAction.RunAsync("holds list", async ct =>
        {
            await using var services = CliServices.Build();
            var holds = await services.GetRequiredService<LegalHolds>().ListAsync(ct);
            if (holds.Count == 0)
                Console.WriteLine("no legal holds");
            foreach (var h in holds)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"hold {h.HoldId}  case {h.CaseId}  {(h.Active ? "ACTIVE" : "released")}  {h.Conversations} conversation(s) held now"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  placed   {h.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC by {h.CreatedBy}: {h.Reason}"));
                Console.WriteLine($"  scope    {h.Scope}");
                if (!h.Active)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  released {h.ReleasedAt:yyyy-MM-dd HH:mm:ss} UTC by {h.ReleasedBy}: {h.ReleaseReason}"));
            }
            return CliAction.Success;
        }, cancellationToken));

        var hold = new Argument<long>("HOLD") { Description = "The hold's number (archiver holds list)." };
        var releaseReason = new Option<string>("--reason") { Description = "Why it is released.", Required = true };
        var release = new Command("release", "Release a hold: it stays listed, with its release. Conversations no other hold keeps follow retention again.")
        {
            hold, releaseReason,
        };
        release.SetAction((parse, cancellationToken) => CliAction.RunAsync("holds release", async ct =>
        {
            await using var services = CliServices.Build();
            await services.GetRequiredService<LegalHolds>().ReleaseAsync(parse.GetValue(hold), parse.GetValue(releaseReason)!, ct);
            Console.WriteLine($"hold {parse.GetValue(hold)} released");
            return CliAction.Success;
        }, cancellationToken));

        var command = new Command("holds", "Legal holds: freeze conversations against disposal and erasure.");
        command.Subcommands.Add(create);
        command.Subcommands.Add(list);
        command.Subcommands.Add(release);
        return command;
    }

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? new DateTimeOffset(v, TimeSpan.Zero) : null;
}
