using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Archiver.Deploy.Tests;

/// <summary>
/// YAML documents as JSON nodes, resolving plain scalars by the YAML 1.2 core schema (null, bool, int, float, else
/// string). Plain scalars that YAML 1.1 parsers (go-yaml v2, used by kubectl) read differently — yes/no/on/off, numbers
/// with a leading zero, sexagesimal 1:30 — are refused: in these files they must be quoted or written another way.
/// Duplicate keys are refused too.
/// </summary>
internal static partial class Yaml
{
    public static IReadOnlyList<JsonNode?> LoadAll(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{source}: YAML does not parse: {e.Message}", e);
        }
        return stream.Documents.Select(d => ToJson(d.RootNode, source)).ToList();
    }

    public static JsonNode Load(string text, string source)
    {
        var documents = LoadAll(text, source);
        if (documents.Count != 1 || documents[0] is null)
            throw new InvalidDataException($"{source}: expected exactly one YAML document, found {documents.Count}");
        return documents[0]!;
    }

    private static JsonNode? ToJson(YamlNode node, string source)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    var name = key is YamlScalarNode k ? k.Value ?? "" : throw new InvalidDataException($"{source}:{key.Start.Line}: non-scalar key");
                    if (obj.ContainsKey(name))
                        throw new InvalidDataException($"{source}:{key.Start.Line}: duplicate key '{name}'");
                    obj[name] = ToJson(value, source);
                }
                return obj;
            case YamlSequenceNode seq:
                var array = new JsonArray();
                foreach (var item in seq.Children)
                    array.Add(ToJson(item, source));
                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar, source);
            default:
                throw new InvalidDataException($"{source}:{node.Start.Line}: unsupported YAML node {node.NodeType} (aliases are not used in these files)");
        }
    }

    private static JsonValue? Scalar(YamlScalarNode scalar, string source)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
            return JsonValue.Create(text);
        if (!scalar.Tag.IsEmpty && scalar.Tag.Value != "!")
            throw new InvalidDataException($"{source}:{scalar.Start.Line}: explicit tag {scalar.Tag} is not used in these files");
        if (text is "" or "~" or "null" or "Null" or "NULL")
            return null;
        if (text is "true" or "True" or "TRUE")
            return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE")
            return JsonValue.Create(false);
        if (Yaml11Only().IsMatch(text))
            throw new InvalidDataException($"{source}:{scalar.Start.Line}: plain scalar '{text}' means different things in YAML 1.1 and 1.2: quote it");
        if (Integer().IsMatch(text))
            return JsonValue.Create(long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        if (Float().IsMatch(text))
            return JsonValue.Create(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        return JsonValue.Create(text);
    }

    [GeneratedRegex(@"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?0[0-9_]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)$")]
    private static partial Regex Yaml11Only();

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9]*)$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}

internal static class JsonNodeExtensions
{
    /// <summary>The node at a dotted path ("spec.template.spec"), or null.</summary>
    public static JsonNode? At(this JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o && o.TryGetPropertyValue(part, out var child) ? child : null;
            if (node is null)
                return null;
        }
        return node;
    }

    public static string? Str(this JsonNode? node, string path) => node.At(path) is JsonValue v ? v.ToString() : null;

    public static JsonObject Obj(this JsonNode? node, string path) =>
        node.At(path) as JsonObject ?? throw new InvalidDataException($"'{path}' is missing or not a mapping");

    public static JsonArray Arr(this JsonNode? node, string path) =>
        node.At(path) as JsonArray ?? throw new InvalidDataException($"'{path}' is missing or not a sequence");

    public static Dictionary<string, string> StringMap(this JsonNode? node, string path) =>
        node.At(path) is JsonObject o
            ? o.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
}
