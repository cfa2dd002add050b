using System.Text;
using System.Text.RegularExpressions;
using System.Text.Json;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Projections;

/// <summary>
/// Values as the read models can hold them. The evidence keeps every byte; a read model gets text without NUL or lone
/// surrogates, times inside the range PostgreSQL and .NET share, and JSON that jsonb accepts — and each change made on
/// the way is reported, so it is recorded beside the event (docs/ingestion.md).
/// </summary>
public static partial class ProjectedValues
{
    /// <summary>
    /// Search vectors are built from this many characters of a message at most (readmodel.search_vector in
    /// migrations/0008_rejections.sql cuts at the same length): PostgreSQL refuses a tsvector over 1 MB, and this prefix
    /// stays under it whatever the text.
    /// </summary>
    public const int SearchPrefixLength = 100_000;

    /// <summary>Text with NUL and lone surrogates replaced by U+FFFD.</summary>
    public static string? Text(string? value, string field, List<ArchiveIssue> issues)
    {
        var repaired = TextRepair.Repair(value, out var changed);
        if (changed)
            issues.Add(ArchiveIssue.Of(IssueReasons.TextRepaired, $"{field}: NUL or a lone UTF-16 surrogate shown as U+FFFD"));
        return repaired;
    }

    /// <summary>A string value read off the change (a number or boolean as its text), repaired the same way.</summary>
    public static string? Text(JsonElement value, string field, List<ArchiveIssue> issues)
    {
        var text = value.AsString(out var surrogates);
        var repaired = TextRepair.Repair(text, out var nul);
        if (surrogates || nul)
            issues.Add(ArchiveIssue.Of(IssueReasons.TextRepaired, $"{field}: NUL or a lone UTF-16 surrogate shown as U+FFFD"));
        return repaired;
    }

    public static DateTimeOffset? Time(long? milliseconds) => UnixTime.FromMilliseconds(milliseconds);

    /// <summary>The JSON of a value as jsonb takes it: unchanged unless it holds what jsonb refuses.</summary>
    public static string Json(JsonElement value, string field, List<ArchiveIssue> issues)
    {
        var raw = value.GetRawText();
        if (!MayNeedRepair(raw))
            return raw;
        var repairs = new List<string>();
        using var buffer = new MemoryStream(raw.Length);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = JsonLimits.MaxDepth + 1 }))
            Write(writer, value, repairs);
        if (repairs.Count == 0)
            return raw;
        issues.Add(ArchiveIssue.Of(repairs.Contains("number") ? IssueReasons.NumberInvalid : IssueReasons.TextRepaired,
            $"{field}: {string.Join(" and ", repairs.Distinct())} changed for the read model (jsonb refuses them)"));
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool MayNeedRepair(string raw) =>
        raw.Contains("\\u0000", StringComparison.Ordinal) || raw.Contains("\\ud", StringComparison.OrdinalIgnoreCase) || HugeNumber().IsMatch(raw);

    private static void Write(Utf8JsonWriter writer, JsonElement value, List<string> repairs)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in value.EnumerateObject())
                {
                    var name = property.NameOf(out var nameRepaired);
                    if (nameRepaired)
                        repairs.Add("NUL or lone surrogates");
                    writer.WritePropertyName(RepairString(name, repairs));
                    Write(writer, property.Value, repairs);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                    Write(writer, item, repairs);
                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                var text = value.AsString(out var surrogates)!;
                if (surrogates)
                    repairs.Add("NUL or lone surrogates");
                writer.WriteStringValue(RepairString(text, repairs));
                break;
            case JsonValueKind.Number:
                var number = value.GetRawText();
                if (IsNumberJsonbTakes(number))
                {
                    writer.WriteRawValue(number, skipInputValidation: true);
                }
                else
                {
                    repairs.Add("number");
                    writer.WriteStringValue(number); // kept, as text: jsonb's numeric would overflow
                }
                break;
            default:
                writer.WriteRawValue(value.GetRawText(), skipInputValidation: true);
                break;
        }
    }

    private static string RepairString(string text, List<string> repairs)
    {
        var repaired = TextRepair.Repair(text, out var changed)!;
        if (changed)
            repairs.Add("NUL or lone surrogates");
        return repaired;
    }

    /// <summary>jsonb stores numbers as numeric: at most 1000 digits and an exponent of at most ±1000, to stay well inside it.</summary>
    private static bool IsNumberJsonbTakes(string number)
    {
        if (number.Length > 1000)
            return false;
        var e = number.AsSpan().IndexOfAny('e', 'E');
        return e < 0 || (int.TryParse(number.AsSpan(e + 1), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var exponent)
                         && Math.Abs(exponent) <= 1000);
    }

    // An exponent of four digits or more, or a run of number characters longer than jsonb is given (a long number).
    [GeneratedRegex("[0-9][eE][+-]?[0-9]{4}|[-+0-9.eE]{1001}")]
    private static partial Regex HugeNumber();
}
