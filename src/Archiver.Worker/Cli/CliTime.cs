using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Archiver.Worker.Cli;

/// <summary>Date/time options of the compliance commands: ISO-8601, UTC unless an offset is given.</summary>
internal static class CliTime
{
    public static Option<DateTime?> Option(string name, string description) => new(name)
    {
        Description = description + " ISO-8601 date or date and time, e.g. 2024-05-01 or 2024-05-01T09:30:00Z; UTC unless an offset is given.",
        CustomParser = Parse,
    };

    /// <summary>The value in UTC (<see cref="DateTimeKind.Utc"/>), or an error naming the option.</summary>
    public static DateTime? Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var value))
            return value.UtcDateTime;
        var name = (result.Parent as OptionResult)?.Option.Name ?? "the option";
        result.AddError($"{name}: '{text}' is not a date or date and time (use ISO-8601, e.g. 2024-05-01T09:30:00Z)");
        return null;
    }
}
