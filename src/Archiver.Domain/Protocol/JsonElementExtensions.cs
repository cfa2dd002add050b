using System.Globalization;
using System.Text.Json;

namespace Archiver.Domain.Protocol;

/// <summary>Tolerant reads: the spec's robustness rules (§3) in one place.</summary>
public static class JsonElementExtensions
{
    /// <summary>"An array containing a single element may be sent using the element itself instead of the array."</summary>
    public static IEnumerable<JsonElement> ElementOrArray(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => element.EnumerateArray(),
        JsonValueKind.Undefined or JsonValueKind.Null => [],
        _ => [element],
    };

    public static JsonElement Property(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    /// <summary>A string, or a number written as a string (request ids are sent both ways).</summary>
    public static string? AsString(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    public static long? AsInt64(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetInt64(out var value) => value,
        JsonValueKind.Number when element.TryGetDouble(out var d) && d is >= long.MinValue and <= long.MaxValue => (long)d,
        JsonValueKind.String when long.TryParse(element.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) => value,
        _ => null,
    };

    public static bool? AsBoolean(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(element.GetString(), out var value) => value,
        JsonValueKind.Number when element.TryGetInt32(out var value) => value != 0,
        _ => null,
    };
}
