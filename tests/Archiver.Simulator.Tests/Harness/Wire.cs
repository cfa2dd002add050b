using System.Text.Json;
using Archiver.Testing;

namespace Archiver.Simulator.Tests.Harness;

/// <summary>Reading the wire the way a tolerant client must (docs/protocol.md §3, §14.2).</summary>
public static class Wire
{
    /// <summary>body.changes: an array, or a bare element standing for a one-element array.</summary>
    public static IReadOnlyList<JsonElement> Changes(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("changes", out var changes))
            return [];
        return changes.ValueKind switch
        {
            JsonValueKind.Array => changes.EnumerateArray().ToList(),
            JsonValueKind.Object => [changes],
            _ => [],
        };
    }

    public static string? Str(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static long? Num(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    public static JsonElement Prop(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) ? v : default;
}

/// <summary>The protocol samples, read from ../shared/protocol/samples (never copied).</summary>
public static class Samples
{
    public static string Folder => RepositoryPaths.ProtocolSamples;

    public static string Text(string name) => File.ReadAllText(Path.Combine(Folder, name));

    public static JsonElement Json(string name) => JsonDocument.Parse(Text(name)).RootElement.Clone();

    public static IEnumerable<string> Named(string prefix, string suffix = ".json") =>
        Directory.EnumerateFiles(Folder, prefix + "*" + suffix).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);
}

/// <summary>
/// Compares a received JSON value with a documented sample: same property names and value kinds, recursively; extra
/// properties in the received value are allowed (forward compatibility, docs/protocol.md §3).
/// </summary>
public static class Shape
{
    /// <param name="requireAll">Every property of the sample must be present (otherwise only the common ones are compared).</param>
    /// <param name="optional">Paths (like <c>body.changes[].event.message</c>) that may be missing or differ.</param>
    public static List<string> Mismatches(JsonElement sample, JsonElement actual, bool requireAll = true, IReadOnlySet<string>? optional = null)
    {
        var errors = new List<string>();
        Compare(sample, actual, "$", requireAll, optional ?? new HashSet<string>(), errors);
        return errors;
    }

    public static bool Conforms(JsonElement sample, JsonElement actual, bool requireAll = true, IReadOnlySet<string>? optional = null) =>
        Mismatches(sample, actual, requireAll, optional).Count == 0;

    private static void Compare(JsonElement sample, JsonElement actual, string path, bool requireAll, IReadOnlySet<string> optional, List<string> errors)
    {
        if (optional.Contains(path))
            return;
        if (sample.ValueKind == JsonValueKind.Null)
            return; // null in a sample says nothing about the kind
        if (Kind(sample) != Kind(actual))
        {
            errors.Add($"{path}: sample is {sample.ValueKind}, received {actual.ValueKind}");
            return;
        }
        switch (sample.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in sample.EnumerateObject())
                {
                    var childPath = path + "." + property.Name;
                    if (actual.TryGetProperty(property.Name, out var value))
                        Compare(property.Value, value, childPath, requireAll, optional, errors);
                    else if (requireAll && !optional.Contains(childPath))
                        errors.Add($"{childPath}: missing");
                }
                break;
            case JsonValueKind.Array:
                var samples = sample.EnumerateArray().ToList();
                if (samples.Count == 0)
                    break;
                var i = 0;
                foreach (var item in actual.EnumerateArray())
                    Compare(samples[Math.Min(i++, samples.Count - 1)], item, path + "[]", requireAll, optional, errors);
                break;
        }
    }

    private static JsonValueKind Kind(JsonElement e) => e.ValueKind == JsonValueKind.False ? JsonValueKind.True : e.ValueKind;
}
