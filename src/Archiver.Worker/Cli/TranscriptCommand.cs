using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Archiver.Worker.ReadSide;
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
            var document = await new ConversationReader(connection, await ReadSide.TextSource.ForAsync(connection, ct)).FindAsync(id, ct)
                ?? throw new InvalidOperationException($"no conversation {id} in the archive's read models");
            if (parse.GetValue(format) == "json")
                Console.WriteLine(TerminalText.Json(JsonSerializer.Serialize(document, ConversationDocument.Json)));
            else
                Write(Console.Out, document);
            return CliAction.Success;
        }, cancellationToken));
        return command;
    }

    /// <summary>
    /// The readable transcript. Every line goes through <see cref="TerminalText.Clean"/>: ids, names and texts are
    /// archived content, and a message's line breaks show as ⏎ so it cannot forge lines of its own.
    /// </summary>
    private static void Write(TextWriter output, ConversationDocument c)
    {
        void Line(string line) => output.WriteLine(TerminalText.Clean(line));

        Line($"conversation  {c.ConversationId}");
        Line($"consumer      {c.ConsumerId ?? "–"}");
        Line($"agent         {(c.AgentId is null ? "–" : c.AgentName is null ? c.AgentId : $"{c.AgentId} ({c.AgentName})")}");
        Line($"state         {c.State ?? "–"} (stage {c.Stage ?? "–"})");
        Line($"started       {Day(c.StartTs)}");
        Line($"ended         {Day(c.EndTs)}");
        Line($"close reason  {c.CloseReason ?? "–"}");
        Line($"csat          {(c.Csat is null ? "–" : TranscriptFormat.Csat(c.Csat))}");
        foreach (var answer in c.Csat?.SurveyAnswers ?? [])
            Line($"survey        {TranscriptFormat.Answer(answer)}");
        foreach (var p in c.Participants)
            Line($"participant   {Day(p.At)} {p.Change.ToLowerInvariant()} {p.Role} {p.ParticipantId}");

        string? dialog = null;
        DateOnly? day = null;
        foreach (var m in c.Messages)
        {
            if (m.DialogId != dialog)
            {
                dialog = m.DialogId;
                day = null;
                output.WriteLine();
                Line($"── {m.DialogType ?? "dialog"} {m.DialogId} ──");
            }
            if (m.ServerTimestamp is { } ts && DateOnly.FromDateTime(ts) != day)
            {
                day = DateOnly.FromDateTime(ts);
                output.WriteLine(day.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }
            var time = m.ServerTimestamp?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "??:??:??";
            var marks = TranscriptFormat.Marks(m);
            Line($"{time}  {TranscriptFormat.Author(m, shorten: true)}: {TranscriptFormat.Body(m)}{(marks.Length == 0 ? "" : $"  {marks}")}");
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
