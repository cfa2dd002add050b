using System.Text;
using System.Text.Json;

namespace Archiver.Domain.Tests.Harness;

/// <summary>
/// What PostgreSQL can hold, checked here independently of the domain's own repair code: text without NUL or a lone
/// UTF-16 surrogate, times inside years 1–9999 (and not the ends Npgsql turns into ±infinity), and JSON that jsonb accepts.
/// Each check gives null when the value can be stored, else why not.
/// </summary>
internal static class Storable
{
    /// <summary>jsonb's numeric refuses an exponent beyond ±1000; the domain also refuses numbers over 1000 characters.</summary>
    public const int MaxNumberExponent = 1000;

    public const int MaxNumberLength = 1000;

    public static string? TextProblem(string? value)
    {
        if (value is null)
            return null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
                return $"NUL at index {i}";
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                return $"lone surrogate U+{(int)c:X4} at index {i}";
        }
        return null;
    }

    public static string? TimeProblem(DateTimeOffset? value) =>
        value is { } time && (time.UtcDateTime.Year is < 1 or > 9999 || time == DateTimeOffset.MinValue || time == DateTimeOffset.MaxValue)
            ? $"time {time:O} is outside what PostgreSQL holds"
            : null;

    /// <summary>Whether jsonb takes <paramref name="json"/>: one JSON value, no \u0000, no lone surrogate (escaped or not), numbers it can hold.</summary>
    public static string? JsonbProblem(string? json)
    {
        if (json is null)
            return null;
        if (TextProblem(json) is { } text)
            return text;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = 10_000 });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName or JsonTokenType.String:
                        string value;
                        try
                        {
                            value = reader.GetString()!;
                        }
                        catch (InvalidOperationException)
                        {
                            return $"a string with an escaped lone surrogate: {Shown(reader.ValueSpan)}";
                        }
                        if (value.Contains('\0', StringComparison.Ordinal))
                            return $"a string with \\u0000: {Shown(reader.ValueSpan)}";
                        break;
                    case JsonTokenType.Number:
                        if (NumberProblem(reader.ValueSpan) is { } number)
                            return number;
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            return $"not one JSON value ({e.Message})";
        }
        return null;
    }

    private static string? NumberProblem(ReadOnlySpan<byte> number)
    {
        if (number.Length > MaxNumberLength)
            return $"a number of {number.Length} characters: {Shown(number)}";
        var e = number.IndexOfAny((byte)'e', (byte)'E');
        if (e < 0)
            return null;
        var exponent = number[(e + 1)..].TrimStart("+-"u8).TrimStart((byte)'0');
        return exponent.Length > 4 || (exponent.Length > 0 && int.Parse(exponent, System.Globalization.CultureInfo.InvariantCulture) > MaxNumberExponent)
            ? $"a number with an exponent beyond ±{MaxNumberExponent}: {Shown(number)}"
            : null;
    }

    private static string Shown(ReadOnlySpan<byte> raw)
    {
        var text = Encoding.UTF8.GetString(raw);
        return text.Length <= 60 ? text : text[..60] + "…";
    }
}
