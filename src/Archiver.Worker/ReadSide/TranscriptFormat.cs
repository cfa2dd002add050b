using System.Globalization;

namespace Archiver.Worker.ReadSide;

/// <summary>How the transcript and the HTML export put a message and a CSAT into words.</summary>
public static class TranscriptFormat
{
    /// <summary>The agent-side ids are long UUIDs; eight characters tell agents apart on a screen.</summary>
    public const int ShortIdLength = 8;

    /// <summary>"consumer 5e9e…", "agent 29c3019d (Alice Martin)", "system 22815dea".</summary>
    public static string Author(MessageDocument m, bool shorten)
    {
        var id = m.OriginatorId ?? "?";
        if (shorten && m.Role != "consumer" && id.Length > ShortIdLength)
            id = id[..ShortIdLength];
        return m.AgentName is null ? $"{m.Role} {id}" : $"{m.Role} {id} ({m.AgentName})";
    }

    /// <summary>The text; <c>[file] caption path</c> for a hosted file; <c>[rich content]</c> for a structured card.</summary>
    public static string Body(MessageDocument m)
    {
        if (m.FilePath is not null)
            return string.Join(' ', new[] { "[file]", m.Text, m.FilePath }.Where(s => !string.IsNullOrEmpty(s)));
        if (m.RichContent is not null)
            return m.Text is null ? "[rich content]" : $"[rich content] {m.Text}";
        return m.Text ?? $"[{m.ContentType ?? m.EventType}]";
    }

    /// <summary>✓ delivered to, ✓✓ read by a participant other than the author; nothing yet: blank.</summary>
    public static string Marks(MessageDocument m) => m.ReadAt is not null ? "✓✓" : m.AcceptedAt is not null ? "✓" : "";

    public static string Csat(CsatDocument csat)
    {
        var parts = new List<string>();
        if (csat.Rate is { } rate)
            parts.Add($"rate {rate.ToString(CultureInfo.InvariantCulture)}/5");
        if (csat.ResolutionConfirmation is { } resolved)
            parts.Add(resolved ? "resolved" : "not resolved");
        if (csat.Status is not null)
            parts.Add(csat.Status);
        if (csat.SubmittedAt is { } at)
            parts.Add($"at {at.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}");
        if (parts.Count == 0)
            parts.Add("survey only");
        return string.Join(", ", parts);
    }

    public static string Answer(SurveyAnswer a) =>
        $"question {a.QuestionId ?? "?"}: \"{a.Answer}\" (answer {a.AnswerId ?? "?"})" +
        (a.AnsweredAt is { } at ? $" at {at.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}" : "");
}
