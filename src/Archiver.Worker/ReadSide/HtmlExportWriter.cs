using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Archiver.Worker.ReadSide;

/// <summary>
/// <c>transcripts.html</c>: one self-contained page (inline CSS, no script, nothing fetched) with a section per
/// conversation — its header and its messages as a table. Every value is HTML-encoded; the markup is also well-formed
/// XML, so it can be checked by any XML parser as well as opened in a browser.
/// <para>
/// Encoding is the first defence against markup in archived text; a Content-Security-Policy is the second, should a
/// value ever slip through: nothing may be loaded, no script may run, no form may be sent and no base URL set, and
/// the only style allowed is the page's own <c>&lt;style&gt;</c>, by its hash. No referrer leaves the page, and no value
/// becomes a link (a file path is text, never an <c>href</c>).
/// </para>
/// </summary>
internal sealed class HtmlExportWriter : IExportWriter
{
    public const string FileName = "transcripts.html";

    private const string Style =
        """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1d1d1f;background:#fff}
        h1{font-size:1.5rem}h2{font-size:1.15rem;margin:0 0 .5rem;font-family:ui-monospace,monospace}
        section.conversation{border:1px solid #d0d7de;border-radius:6px;padding:1rem 1.25rem;margin:1.5rem 0;page-break-inside:avoid}
        dl.meta{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;margin:0 0 1rem;font-size:.9rem}
        dl.meta dt{font-weight:600;color:#57606a}dl.meta dd{margin:0}
        table{border-collapse:collapse;width:100%;font-size:.9rem}
        th,td{border-bottom:1px solid #eaeef2;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f6f8fa}td.text{white-space:pre-wrap;word-break:break-word}
        tr.consumer td.author{color:#0969da}tr.agent td.author{color:#1a7f37}tr.system td.author{color:#8250df}
        tr.dialog td{background:#f6f8fa;font-weight:600}
        .mark{font-family:ui-monospace,monospace;color:#1a7f37}.muted{color:#6e7781}
        pre.json{margin:.25rem 0 0;font-size:.8rem;white-space:pre-wrap;color:#57606a}
        footer{margin-top:2rem;color:#6e7781;font-size:.85rem}
        """;

    /// <summary>The text of the page's <c>&lt;style&gt;</c> element, exactly: its hash is what the policy allows.</summary>
    private static readonly string StyleText = "\n" + Style.ReplaceLineEndings("\n") + "\n";

    /// <summary>
    /// The page's Content-Security-Policy (a meta element, so it also holds for a file opened from disk). Written as it is,
    /// unencoded: it is ours, and holds no quote, ampersand or angle bracket (base64 is letters, digits, +, / and =).
    /// </summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(StyleText)))}'; " +
        "base-uri 'none'; form-action 'none'";

    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly StreamWriter _file;
    private readonly DateTime? _from;
    private readonly DateTime? _to;
    private readonly DateTime _createdAt;
    private long _conversations;
    private long _messages;
    private bool _started;

    /// <param name="from">With <paramref name="to"/>, the window exported; both null for a selection of conversations.</param>
    public HtmlExportWriter(string directory, DateTime? from, DateTime? to, DateTime createdAt)
    {
        _file = new StreamWriter(ExportFiles.Create(directory, FileName), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        _from = from;
        _to = to;
        _createdAt = createdAt;
    }

    public IReadOnlyList<string> Files { get; } = [FileName];

    public async Task WriteAsync(ConversationDocument c, CancellationToken cancellationToken)
    {
        await StartAsync();
        _conversations++;
        _messages += c.Messages.Count;
        var html = new StringBuilder(4096);
        html.Append("<section class=\"conversation\" id=\"c-").Append(E(c.ConversationId)).Append("\">\n");
        html.Append("<h2>Conversation ").Append(E(c.ConversationId)).Append("</h2>\n<dl class=\"meta\">\n");
        Meta(html, "Consumer", c.ConsumerId);
        Meta(html, "Agent", c.AgentName is null ? c.AgentId : $"{c.AgentName} ({c.AgentId})");
        Meta(html, "Brand / skill", $"{c.BrandId ?? "–"} / {c.SkillId ?? "–"}");
        Meta(html, "State / stage", $"{c.State ?? "–"} / {c.Stage ?? "–"}");
        Meta(html, "Started", Time(c.StartTs));
        Meta(html, "Ended", Time(c.EndTs));
        Meta(html, "Close reason", c.CloseReason);
        if (c.Csat is { } csat)
        {
            Meta(html, "CSAT", TranscriptFormat.Csat(csat));
            foreach (var answer in csat.SurveyAnswers)
                Meta(html, "Survey answer", TranscriptFormat.Answer(answer));
        }
        foreach (var p in c.Participants)
            Meta(html, "Participant", $"{Time(p.At)} {p.Change} {p.Role} {p.ParticipantId}");
        html.Append("</dl>\n");

        html.Append("<table class=\"messages\">\n<thead><tr><th>Time (UTC)</th><th>#</th><th>Author</th><th>Message</th>")
            .Append("<th>Delivered</th><th>Read</th></tr></thead>\n<tbody>\n");
        string? dialog = null;
        foreach (var m in c.Messages)
        {
            if (m.DialogId != dialog)
            {
                dialog = m.DialogId;
                html.Append("<tr class=\"dialog\"><td colspan=\"6\">").Append(E($"{m.DialogType ?? "dialog"} {m.DialogId}")).Append("</td></tr>\n");
            }
            html.Append("<tr class=\"").Append(E(m.Role)).Append("\"><td>").Append(E(Time(m.ServerTimestamp))).Append("</td><td>")
                .Append(m.Sequence.ToString(CultureInfo.InvariantCulture)).Append("</td><td class=\"author\">")
                .Append(E(TranscriptFormat.Author(m, shorten: false))).Append("</td><td class=\"text\">");
            if (m.RichContent is { } rich)
                html.Append("<span class=\"muted\">[rich content]</span><pre class=\"json\">").Append(E(rich.GetRawText())).Append("</pre>");
            else
                html.Append(E(TranscriptFormat.Body(m)));
            html.Append("</td><td class=\"mark\">").Append(E(Time(m.AcceptedAt))).Append("</td><td class=\"mark\">").Append(E(Time(m.ReadAt)))
                .Append("</td></tr>\n");
        }
        if (c.Messages.Count == 0)
            html.Append("<tr><td colspan=\"6\" class=\"muted\">no messages</td></tr>\n");
        html.Append("</tbody>\n</table>\n</section>\n");
        await _file.WriteAsync(html, cancellationToken);
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await StartAsync();
        await _file.WriteLineAsync(
            $"<footer>{_conversations.ToString(CultureInfo.InvariantCulture)} conversation(s), {_messages.ToString(CultureInfo.InvariantCulture)} message(s). " +
            "The evidence is the archive's event log; this page is a rendering of its read models.</footer>\n</body>\n</html>");
        await _file.FlushAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();

    /// <summary>
    /// HTML-encoded text. Control characters other than tab, CR and LF are not allowed in HTML or XML even as
    /// references, so they are shown as their Unicode control pictures (U+2400 + code); the JSONL export keeps them.
    /// </summary>
    public static string E(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        if (value.Any(IsForbidden))
            value = string.Create(value.Length, value, (span, source) =>
            {
                for (var i = 0; i < source.Length; i++)
                    span[i] = IsForbidden(source[i]) ? (char)(source[i] == '\u007F' ? '\u2421' : '\u2400' + source[i]) : source[i];
            });
        return Encoder.Encode(value);
    }

    private static bool IsForbidden(char c) => c is (< ' ' and not ('\t' or '\n' or '\r')) or '\u007F';

    private async Task StartAsync()
    {
        if (_started)
            return;
        _started = true;
        var range = _from is { } f && _to is { } t ? $"{ExportFiles.Iso(f)} – {ExportFiles.Iso(t)}" : $"selection {ExportFiles.Iso(_createdAt)}";
        var scope = _from is { } from && _to is { } to
            ? $"Conversations started from {E(ExportFiles.Iso(from))} (inclusive) to {E(ExportFiles.Iso(to))} (exclusive), UTC."
            : "A selection of conversations.";
        await _file.WriteLineAsync(
            $"""
             <!DOCTYPE html>
             <html lang="en">
             <head>
             <meta charset="utf-8"/>
             <meta http-equiv="Content-Security-Policy" content="{ContentSecurityPolicy}"/>
             <meta name="referrer" content="no-referrer"/>
             <meta name="viewport" content="width=device-width, initial-scale=1"/>
             <title>Archiver transcripts {E(range)}</title>
             <style>{StyleText}</style>
             </head>
             <body>
             <h1>Conversation transcripts</h1>
             <p class="muted">{scope}
             Exported {E(ExportFiles.Iso(_createdAt))}. Delivered and Read: the first receipt by a participant other than the author.</p>
             """);
    }

    private static void Meta(StringBuilder html, string name, string? value) =>
        html.Append("<dt>").Append(E(name)).Append("</dt><dd>").Append(E(string.IsNullOrEmpty(value) ? "–" : value)).Append("</dd>\n");

    private static string Time(DateTime? value) =>
        value?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";
}
