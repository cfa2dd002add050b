using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Archiver.Worker.Cli.Export;

/// <summary>
/// <c>conversations.csv</c> (one row per conversation) and <c>messages.csv</c> (one row per message, keyed by
/// conversationId, dialogId, sequence). RFC 4180: a header row, CRLF between records, a field quoted when it holds a
/// comma, a quote, CR or LF, quotes doubled. UTF-8 without a byte-order mark. Participants and survey answers, which are
/// lists, are one JSON array per cell; rich content is its JSON.
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
            c.ConversationId, c.ConsumerId, c.AgentId, c.AgentName, c.BrandId, c.SkillId, c.State, c.Stage, ExportFiles.Iso(c.StartTs),
            ExportFiles.Iso(c.EndTs), c.CloseReason, Number(c.DurationSeconds), Number(c.ConsumerMessages), Number(c.AgentMessages),
            Number(c.FirstResponseSeconds), Number(c.Csat?.Rate), Bool(c.Csat?.ResolutionConfirmation), c.Csat?.Status,
            ExportFiles.Iso(c.Csat?.SubmittedAt),
            c.Csat is null ? "" : JsonSerializer.Serialize(c.Csat.SurveyAnswers, ConversationDocument.Json),
            JsonSerializer.Serialize(c.Participants, ConversationDocument.Json),
            Number(c.Messages.Count),
        ]);
        foreach (var m in c.Messages)
        {
            await WriteRowAsync(_messages,
            [
                c.ConversationId, m.DialogId, m.DialogType, Number(m.Sequence), m.OriginatorId, m.Role, m.OriginatorRole, m.AgentName, m.EventType,
                m.ContentType, m.Text, m.FilePath, m.RichContent?.GetRawText(), ExportFiles.Iso(m.ServerTimestamp), ExportFiles.Iso(m.AcceptedAt),
                ExportFiles.Iso(m.ReadAt),
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

    private async Task WriteHeadersAsync()
    {
        if (_headersWritten)
            return;
        _headersWritten = true;
        await WriteRowAsync(_conversations, ConversationColumns);
        await WriteRowAsync(_messages, MessageColumns);
    }

    private static Task WriteRowAsync(StreamWriter writer, IReadOnlyList<string?> fields) =>
        writer.WriteLineAsync(string.Join(',', fields.Select(Field)));

    private static string Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string Bool(bool? value) => value switch { true => "true", false => "false", null => "" };
}
