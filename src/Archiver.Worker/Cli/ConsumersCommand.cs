using System.CommandLine;
using System.Globalization;
using System.Text;
using Archiver.Domain.Consumers;
using Archiver.Worker.Lifecycle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Archiver.Worker.Cli;

/// <summary>
/// <c>archiver consumers add|remove|list|import</c>: the consumer registry (docs/operations.md), run with the owner's
/// login. Running workers pick a change up within seconds; nothing is restarted.
/// </summary>
internal static class ConsumersCommand
{
    public static Command Create()
    {
        var command = new Command("consumers",
            "The consumer registry: consumer identities kept in the database besides configuration (LivePerson__Consumers__N). " +
            "Running workers pick up an addition or a removal within seconds and share the consumers through their leases.");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Import());
        return command;
    }

    private static Option<string?> AccountOption() =>
        new("--account") { Description = "The LivePerson account (brand); default: LivePerson__AccountId from the configuration." };

    private static Command Add()
    {
        var name = new Argument<string>("NAME") { Description = "The consumer's name: its lease and its tokens are kept under it." };
        var flow = new Option<string>("--flow") { Description = "Authenticated or Unauthenticated.", Required = true };
        var external = new Option<string?>("--external-id") { Description = "Authenticated: the customer's id in the brand's system (the id token's sub)." };
        var connector = new Option<string?>("--connector-id") { Description = "Unauthenticated: the le-connector id." };
        var account = AccountOption();
        var add = new Command("add",
            "Register a consumer. Authenticated consumers share the signing key the workers are configured with " +
            "(LivePerson__Registry__SigningKeyFile). Adding one already registered exactly so changes nothing.")
        {
            name, flow, external, connector, account,
        };
        add.SetAction((parse, cancellationToken) => CliAction.RunAsync("consumers add", async ct =>
        {
            await using var services = CliServices.Build();
            var mode = RegisteredConsumer.ParseFlow(parse.GetValue(flow), out var wrongFlow)
                ?? throw new ArgumentException($"--flow: {wrongFlow}");
            var consumer = new RegisteredConsumer(parse.GetValue(name)!, mode, Account(services, parse.GetValue(account)),
                Blank(parse.GetValue(external)), Blank(parse.GetValue(connector)));
            var change = await services.GetRequiredService<ConsumerRegistration>().AddAsync([($"consumer {consumer.Name}", consumer)], "add", ct);
            Console.WriteLine(change.Added.Count == 1
                ? string.Create(CultureInfo.InvariantCulture, $"consumer {consumer.Name} added (entry {change.Added[0].EntryId})")
                : $"consumer {consumer.Name} is already registered so: unchanged");
            return CliAction.Success;
        }, cancellationToken));
        return add;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("NAME") { Description = "The registered consumer's name (archiver consumers list)." };
        var remove = new Command("remove",
            "Remove a consumer from the registry: its session ends (the socket closed normally, what it received archived), its " +
            "archive is kept, and its registration stays listed with the removal (archiver consumers list --all).")
        {
            name,
        };
        remove.SetAction((parse, cancellationToken) => CliAction.RunAsync("consumers remove", async ct =>
        {
            await using var services = CliServices.Build();
            var removed = await services.GetRequiredService<ConsumerRegistration>().RemoveAsync(parse.GetValue(name)!, ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"consumer {removed.Consumer.Name} removed (entry {removed.EntryId}); its archive is kept"));
            return CliAction.Success;
        }, cancellationToken));
        return remove;
    }

    private static Command List()
    {
        var all = new Option<bool>("--all") { Description = "Also the removed registrations, with when and by whom they were removed." };
        var list = new Command("list", "The registered consumers, one a line, with when and by whom each was added.") { all };
        list.SetAction((parse, cancellationToken) => CliAction.RunAsync("consumers list", async ct =>
        {
            await using var services = CliServices.Build();
            var entries = await services.GetRequiredService<ConsumerRegistration>().ListAsync(parse.GetValue(all), ct);
            if (entries.Count == 0)
                Console.WriteLine("no registered consumers");
            foreach (var e in entries)
            {
                var line = string.Create(CultureInfo.InvariantCulture, $"{e.Consumer.Describe()}  added {e.AddedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC by {e.AddedBy}");
                if (!e.Active)
                    line += string.Create(CultureInfo.InvariantCulture, $"  REMOVED {e.RemovedAt!.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC by {e.RemovedBy}");
                Console.WriteLine(TerminalText.Clean(line));
            }
            return CliAction.Success;
        }, cancellationToken));
        return list;
    }

    private static Command Import()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A CSV file: a header naming the columns name, flow, external_id, connector_id, account; one consumer a line." };
        var account = AccountOption();
        var import = new Command("import",
            "Register every consumer of a CSV file, all or none: any bad line refuses the whole file, and every problem is " +
            "listed with its line number. Lines already registered exactly so are left as they are, so an import can be run again.")
        {
            file, account,
        };
        import.SetAction((parse, cancellationToken) => CliAction.RunAsync("consumers import", async ct =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
                throw new FileNotFoundException($"{path.FullName} does not exist");
            await using var services = CliServices.Build();
            var defaultAccount = DefaultAccount(services, parse.GetValue(account));
            var (consumers, errors) = ConsumerCsv.Parse(await File.ReadAllLinesAsync(path.FullName, new UTF8Encoding(false, true), ct), defaultAccount);
            if (errors.Count == 0 && consumers.Count == 0)
                errors.Add("the file has a header but no consumer");
            if (errors.Count == 0)
            {
                try
                {
                    var change = await services.GetRequiredService<ConsumerRegistration>().AddAsync(
                        consumers.Select(c => ($"line {c.Line}", c.Consumer)).ToList(), $"import {path.Name}", ct);
                    Console.WriteLine($"imported {path.Name}: {change.Added.Count} consumer(s) added, {change.Unchanged} already registered");
                    return CliAction.Success;
                }
                catch (RegistryRefusedException refused)
                {
                    errors.AddRange(refused.Problems);
                }
            }
            foreach (var error in errors)
                await Console.Error.WriteLineAsync(TerminalText.Clean($"{path.Name}: {error}"));
            await Console.Error.WriteLineAsync($"archiver consumers import: {errors.Count} problem(s) in {path.Name}; nothing was imported");
            return CliAction.Failure;
        }, cancellationToken));
        return import;
    }

    private static string Account(IServiceProvider services, string? given) =>
        DefaultAccount(services, given) ?? throw new ArgumentException("--account is required (or set LivePerson__AccountId)");

    private static string? DefaultAccount(IServiceProvider services, string? given) =>
        Blank(given) ?? Blank(services.GetRequiredService<IConfiguration>()["LivePerson:AccountId"]);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
