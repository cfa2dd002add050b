using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Archiver.Worker.ReadSide;

/// <summary>
/// <c>conversations.csv</c> (one row per conversation) and <c>messages.csv</c> (one row per message, keyed by
/// conversationId, dialogId, sequence). RFC 4180: a header row, CRLF between records, a field quoted when it holds a
/// comma, a quote, CR or LF, quotes doubled. UTF-8 without a byte-order mark. Participants and survey answers, which are
/// lists, are one JSON array per cell; rich content is its JSON.
/// <para>
/// Archived content is written by anyone on the internet, and a spreadsheet runs a cell that starts like a formula
/// (<c>=HYPERLINK(…)</c>, <c>+1</c>, <c>@SUM(…)</c>). So every cell that can carry archived content (texts, ids, names,
/// captions, file paths, JSON) and starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or CR gets a <c>'</c> in
/// front (docs/analytics.md, "Compliance CLI"); the numbers, booleans and timestamps the exporter formats itself are
/// left as they are, so a negative duration stays a number. The JSONL export keeps every text exactly.
/// </para>
/// </summary>
internal sealed class CsvExportWriter : IExportWriter
{
    public const string ConversationsFile = "conversations.csv";
    public const string MessagesFile = "messages.csv";

    public static readonly string[] ConversationColumns =
    [
        "conversationId", "consumerId", "agentId", "agentName", "brandId", "skillId", "state", "stage", "startTs", "endTs", "closeReason",
        "durationSeconds", "consumerMessages", "agentMessages", "firstResponseSeconds", "csatRate", "csatResolutionConfirmation",
        "csatStatus", "csatSubmittedAt", "surveyAnswers", "participants", "messages",
    ];

    public static readonly string[] MessageColumns =
    [
        "conversationId", "dialogId", "dialogType", "sequence", "originatorId", "role", "originatorRole", "agentName", "eventType",
        "contentType", "text", "filePath", "richContent", "serverTimestamp", "acceptedAt", "readAt",
    ];

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly StreamWriter _conversations;
    private readonly StreamWriter _messages;
    private bool _headersWritten;

    public CsvExportWriter(string directory)
    {
        _conversations = new StreamWriter(ExportFiles.Create(directory, ConversationsFile), Utf8) { NewLine = "\r\n" };
        _messages = new StreamWriter(ExportFiles.Create(directory, MessagesFile), Utf8) { NewLine = "\r\n" };
    }

    public IReadOnlyList<string> Files { get; } = [ConversationsFile, MessagesFile];

    public async Task WriteAsync(ConversationDocument c, CancellationToken cancellationToken)
    {
        await WriteHeadersAsync();
        await WriteRowAsync(_conversations,
        [
            c.ConversationId, c.ConsumerId, c.AgentId, c.AgentName, c.BrandId, c.SkillId, c.State, c.Stage, Time(c.StartTs),
            Time(c.EndTs), c.CloseReason, Number(c.DurationSeconds), Number(c.ConsumerMessages), Number(c.AgentMessages),
            Number(c.FirstResponseSeconds), Number(c.Csat?.Rate), Bool(c.Csat?.ResolutionConfirmation), c.Csat?.Status,
            Time(c.Csat?.SubmittedAt),
            c.Csat is null ? "" : JsonSerializer.Serialize(c.Csat.SurveyAnswers, ConversationDocument.Json),
            JsonSerializer.Serialize(c.Participants, ConversationDocument.Json),
            Number(c.Messages.Count),
        ]);
        foreach (var m in c.Messages)
        {
            await WriteRowAsync(_messages,
            [
                c.ConversationId, m.DialogId, m.DialogType, Number(m.Sequence), m.OriginatorId, m.Role, m.OriginatorRole, m.AgentName, m.EventType,
                m.ContentType, m.Text, m.FilePath, m.RichContent?.GetRawText(), Time(m.ServerTimestamp), Time(m.AcceptedAt),
                Time(m.ReadAt),
            ]);
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await WriteHeadersAsync();
        await _conversations.FlushAsync(cancellationToken);
        await _messages.FlushAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _conversations.DisposeAsync();
        await _messages.DisposeAsync();
    }

    /// <summary>One field as RFC 4180 wants it: as is, or quoted with its quotes doubled.</summary>
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>
    /// Archived content a spreadsheet cannot run: prefixed with <c>'</c> when it starts with <c>=</c>, <c>+</c>, <c>-</c>,
    /// <c>@</c>, tab or CR (the OWASP CSV-injection rule), as is otherwise.
    /// </summary>
    public static string? Neutralise(string? value) =>
        string.IsNullOrEmpty(value) || value[0] is not ('=' or '+' or '-' or '@' or '\t' or '\r') ? value : "'" + value;

    private async Task WriteHeadersAsync()
    {
        if (_headersWritten)
            return;
        _headersWritten = true;
        await WriteRowAsync(_conversations, [.. ConversationColumns.Select(name => new Cell(name, Formatted: true))]);
        await WriteRowAsync(_messages, [.. MessageColumns.Select(name => new Cell(name, Formatted: true))]);
    }

    private static Task WriteRowAsync(StreamWriter writer, IReadOnlyList<Cell> cells) =>
        writer.WriteLineAsync(string.Join(',', cells.Select(c => Field(c.Formatted ? c.Value : Neutralise(c.Value)))));

    private static Cell Number(decimal? value) => new(value?.ToString(CultureInfo.InvariantCulture), Formatted: true);

    private static Cell Number(long? value) => new(value?.ToString(CultureInfo.InvariantCulture), Formatted: true);

    private static Cell Bool(bool? value) => new(value switch { true => "true", false => "false", null => "" }, Formatted: true);

    private static Cell Time(DateTime? value) => new(ExportFiles.Iso(value), Formatted: true);

    /// <summary>
    /// A cell: a string is archived content until shown otherwise (<see cref="Neutralise"/> applies to it), so a new column
    /// is safe by default; only what <see cref="Number(decimal?)"/>, <see cref="Bool"/> and <see cref="Time"/> format is not.
    /// </summary>
    private readonly record struct Cell(string? Value, bool Formatted)
    {
        public static implicit operator Cell(string? value) => new(value, Formatted: false);
    }
}
