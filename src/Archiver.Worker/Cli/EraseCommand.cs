using System.CommandLine;
using Archiver.Worker.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Archiver.Worker.Cli;

/// <summary><c>archiver erase (--consumer ID | --conversation ID) --request REF</c> (docs/compliance.md).</summary>
internal static class EraseCommand
{
    /// <summary>Exit code when some conversation was refused (held, or kept by a MustKeep rule): nothing of it was touched.</summary>
    public const int Refused = 3;

    public static Command Create()
    {
        var consumer = new Option<string?>("--consumer") { Description = "Erase every conversation of this consumer id." };
        var conversation = new Option<string?>("--conversation") { Description = "Erase this conversation." };
        var request = new Option<string>("--request") { Description = "The erasure request's reference (stated in each certificate).", Required = true };
        var command = new Command("erase",
            "Erase personal content (GDPR Art. 17): each matching conversation's message texts, files and rich content and the configured " +
            "participant details become \"[erased]\" in its events, conflicts and read models, under an erasure certificate each. Events keep " +
            "their hashes, so verify still passes and names them. Refused for held conversations and where a MustKeep rule applies. Run it as " +
            "the tables' owner. Exit code 3 when a conversation was refused.")
        {
            consumer, conversation, request,
        };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync("erase", async ct =>
        {
            var (byConsumer, one, reference) = (parse.GetValue(consumer), parse.GetValue(conversation), parse.GetValue(request)!);
            if ((byConsumer is null) == (one is null))
                throw new ArgumentException("give one of --consumer or --conversation");
            if (string.IsNullOrWhiteSpace(reference))
                throw new ArgumentException("--request is empty: give the erasure request's reference");
            await using var services = CliServices.Build();
            var conversations = one is not null ? [one] : await ConversationsOfAsync(services.GetRequiredService<NpgsqlDataSource>(), byConsumer!, ct);
            if (conversations.Count == 0)
                throw new InvalidOperationException($"the archive holds no conversation of consumer {byConsumer}");
            var eraser = services.GetRequiredService<Eraser>();
            var refused = 0;
            foreach (var id in conversations)
            {
                var outcome = await eraser.EraseAsync(id, reference, ct);
                if (outcome.Done)
                {
                    Console.WriteLine($"erased {id}: {outcome.Events} event(s) redacted, certificate {outcome.Certificate}");
                }
                else
                {
                    refused++;
                    Console.WriteLine($"REFUSED {id}: {outcome.Refusal}");
                }
            }
            Console.WriteLine($"erased {conversations.Count - refused} conversation(s) under {reference}; {refused} refused");
            return refused == 0 ? CliAction.Success : Refused;
        }, cancellationToken));
        return command;
    }

    private static async Task<List<string>> ConversationsOfAsync(NpgsqlDataSource dataSource, string consumer, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT conversation_id FROM readmodel.conversations WHERE consumer_id = $1 ORDER BY start_ts, conversation_id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumer });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
            ids.Add(reader.GetString(0));
        return ids;
    }
}
