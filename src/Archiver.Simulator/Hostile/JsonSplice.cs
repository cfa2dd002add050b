using System.Text;
using System.Text.Json;

namespace Archiver.Simulator.Hostile;

/// <summary>
/// Edits JSON text in place: one value, found by a path of property names, is replaced (or added to its object) with raw
/// JSON, and every other byte stays as it was. A hostile state is "a copy of the latest state with one field changed";
/// re-serialising through a DOM would re-escape strings and could not even read some content already emitted (a lone
/// surrogate escape in an earlier hostile message that became <c>lastContentEventNotification</c>).
/// </summary>
internal static class JsonSplice
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 4096 };

    public static bool Has(string json, string path) => Raw(json, path) is not null;

    /// <summary>The raw text of the value at <paramref name="path"/>, or null when there is none.</summary>
    public static string? Raw(string json, string path)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        return Find(bytes, path.Split('.')).Value is { } range ? Encoding.UTF8.GetString(bytes, range.Start, range.End - range.Start) : null;
    }

    /// <summary>Replaces the value at <paramref name="path"/> with <paramref name="raw"/>, or adds it to the parent object when absent.</summary>
    public static string Set(string json, string path, string raw)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var names = path.Split('.');
        var (value, parentEnd, parentEmpty) = Find(bytes, names);
        if (value is { } range)
            return Splice(bytes, range.Start, range.End, raw);
        if (parentEnd is not { } end)
            throw new InvalidOperationException($"{path}: the parent object is missing");
        var property = (parentEmpty ? "" : ",") + JsonSerializer.Serialize(names[^1]) + ":" + raw;
        return Splice(bytes, end, end, property);
    }

    /// <summary>Appends <paramref name="rawElement"/> to the array at <paramref name="path"/>.</summary>
    public static string Append(string json, string path, string rawElement)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var (value, _, _) = Find(bytes, path.Split('.'));
        if (value is not { } range || bytes[range.Start] != (byte)'[')
            throw new InvalidOperationException($"{path} is not an array");
        var close = range.End - 1; // the ']'
        var empty = true;
        for (var i = range.Start + 1; i < close; i++)
        {
            if (bytes[i] is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
            {
                empty = false;
                break;
            }
        }
        return Splice(bytes, close, close, (empty ? "" : ",") + rawElement);
    }

    private static string Splice(byte[] bytes, int start, int end, string insert) =>
        Encoding.UTF8.GetString(bytes, 0, start) + insert + Encoding.UTF8.GetString(bytes, end, bytes.Length - end);

    /// <summary>The byte range of the value at the path; else, when its parent object exists, where that object's '}' is and whether it is empty.</summary>
    private static ((int Start, int End)? Value, int? ParentEnd, bool ParentEmpty) Find(byte[] json, string[] names)
    {
        var reader = new Utf8JsonReader(json, Options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return (null, null, false);
        var level = 0; // index into names of the object we are in
        var empty = true;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
                return level == names.Length - 1 ? (null, (int)reader.TokenStartIndex, empty) : (null, null, false);
            if (reader.TokenType != JsonTokenType.PropertyName)
                return (null, null, false);
            empty = false;
            var match = reader.ValueTextEquals(names[level]);
            reader.Read();
            if (!match)
            {
                reader.Skip();
                continue;
            }
            var start = (int)reader.TokenStartIndex;
            if (level == names.Length - 1)
            {
                reader.Skip();
                return ((start, (int)reader.BytesConsumed), null, false);
            }
            if (reader.TokenType != JsonTokenType.StartObject)
                return (null, null, false);
            level++;
            empty = true;
        }
        return (null, null, false);
    }
}
