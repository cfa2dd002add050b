using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Archiver.Worker.Cli.Export;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Archiver.Worker.Cli;

internal static class TranscriptCommand
{
    public static Command Create()
    {
        var conversation = new Argument<string>("conversationId") { Description = "The conversation's id (LivePerson's conversationId)." };
        var format = new Option<string>("--format")
        {
            Description = "text: a readable transcript; json: one camelCase object, the same as one line of `archiver export --format jsonl`.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("transcript",
            "Print one conversation from the read models: its header (consumer, agent, state, times, close reason, CSAT and " +
            "survey answers) and every message of every dialog in order, with ✓ delivered and ✓✓ read marks. Exit code 1 " +
            "when the archive knows no such conversation.") { conversation, format };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync("transcript", async ct =>
        {
            var id = parse.GetValue(conversation)!;
            await using var services = CliServices.Build();
            await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(ct);
            var document = await new ConversationReader(connection).FindAsync(id, ct)
                ?? throw new InvalidOperationException($"no conversation {id} in the archive's read models");
            if (parse.GetValue(format) == "json")
                Console.WriteLine(JsonSerializer.Serialize(document, ConversationDocument.Json));
            else
                Write(Console.Out, document);
            return CliAction.Success;
        }, cancellationToken));
        return command;
    }

    private static void Write(TextWriter output, ConversationDocument c)
    {
        output.WriteLine($"conversation  {c.ConversationId}");
        output.WriteLine($"consumer      {c.ConsumerId ?? "–"}");
        output.WriteLine($"agent         {(c.AgentId is null ? "–" : c.AgentName is null ? c.AgentId : $"{c.AgentId} ({c.AgentName})")}");
        output.WriteLine($"state         {c.State ?? "–"} (stage {c.Stage ?? "–"})");
        output.WriteLine($"started       {Day(c.StartTs)}");
        output.WriteLine($"ended         {Day(c.EndTs)}");
        output.WriteLine($"close reason  {c.CloseReason ?? "–"}");
        output.WriteLine($"csat          {(c.Csat is null ? "–" : TranscriptFormat.Csat(c.Csat))}");
        foreach (var answer in c.Csat?.SurveyAnswers ?? [])
            output.WriteLine($"survey        {TranscriptFormat.Answer(answer)}");
        foreach (var p in c.Participants)
            output.WriteLine($"participant   {Day(p.At)} {p.Change.ToLowerInvariant()} {p.Role} {p.ParticipantId}");

        string? dialog = null;
        DateOnly? day = null;
        foreach (var m in c.Messages)
        {
            if (m.DialogId != dialog)
            {
                dialog = m.DialogId;
                day = null;
                output.WriteLine();
                output.WriteLine($"── {m.DialogType ?? "dialog"} {m.DialogId} ──");
            }
            if (m.ServerTimestamp is { } ts && DateOnly.FromDateTime(ts) != day)
            {
                day = DateOnly.FromDateTime(ts);
                output.WriteLine(day.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }
            var time = m.ServerTimestamp?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "??:??:??";
            var lines = TranscriptFormat.Body(m).ReplaceLineEndings("\n").Split('\n');
            var marks = TranscriptFormat.Marks(m);
            lines[^1] = marks.Length == 0 ? lines[^1] : $"{lines[^1]}  {marks}";
            output.WriteLine($"{time}  {TranscriptFormat.Author(m, shorten: true)}: {lines[0]}");
            foreach (var more in lines.Skip(1))
                output.WriteLine($"          {more}");
        }
        if (c.Messages.Count == 0)
        {
            output.WriteLine();
            output.WriteLine("(no messages)");
        }
    }

    private static string Day(DateTime? value) =>
        value is { } v ? v.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "–";
}
