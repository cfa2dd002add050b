using System.Text;
using System.Text.Json;

namespace Archiver.Domain.Tests.Fuzz;

/// <summary>
/// A JSON value kept as written: scalars are raw tokens and keys raw string literals, so a mutation can put any token
/// exactly where it wants (an escaped lone surrogate, a 400-digit exponent, a 300-character key), which a DOM that
/// decodes and re-encodes its values could not.
/// </summary>
internal abstract class RawJson
{
    public abstract RawJson Clone();

    /// <summary>Writes the value; with <paramref name="spacing"/>, random whitespace goes between tokens.</summary>
    public abstract void WriteTo(StringBuilder text, Random? spacing);

    public string Text(Random? spacing = null)
    {
        var text = new StringBuilder();
        WriteTo(text, spacing);
        return text.ToString();
    }

    public override string ToString() => Text();

    /// <summary>Reads JSON keeping every token as written (escapes included); throws on what is not JSON.</summary>
    public static RawJson Parse(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = 100_000 });
        reader.Read();
        return Read(ref reader);
    }

    /// <summary>The JSON of <paramref name="utf8"/> when it is strict UTF-8 and one JSON value; otherwise null.</summary>
    public static RawJson? TryParse(byte[] utf8)
    {
        try
        {
            return Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(utf8));
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException)
        {
            return null;
        }
    }

    private static RawJson Read(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var members = new List<RawMember>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = "\"" + Encoding.UTF8.GetString(reader.ValueSpan) + "\"";
                    reader.Read();
                    members.Add(new RawMember(key, Read(ref reader)));
                }
                return new RawObject(members);
            case JsonTokenType.StartArray:
                var items = new List<RawJson>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    items.Add(Read(ref reader));
                return new RawArray(items);
            case JsonTokenType.String:
                return new RawToken("\"" + Encoding.UTF8.GetString(reader.ValueSpan) + "\"");
            default:
                return new RawToken(Encoding.UTF8.GetString(reader.ValueSpan));
        }
    }

    /// <summary>The JSON string literal of plain text.</summary>
    public static string Literal(string text) => JsonSerializer.Serialize(text);

    protected static void Gap(StringBuilder text, Random? spacing)
    {
        if (spacing is not null && spacing.Next(5) == 0)
            text.Append(spacing.Next(4) switch { 0 => " ", 1 => "\n  ", 2 => "\t", _ => "\r\n" });
    }
}

/// <summary>A scalar (or any JSON text taken whole, such as 300 nested arrays) exactly as it is written.</summary>
internal sealed class RawToken(string token) : RawJson
{
    public string Token { get; } = token;

    public bool IsString => Token.StartsWith('"');

    public override RawJson Clone() => this;

    public override void WriteTo(StringBuilder text, Random? spacing) => text.Append(Token);
}

/// <summary>A member of an object: its key is a raw JSON string literal (quotes and escapes included).</summary>
internal sealed record RawMember(string Key, RawJson Value);

internal sealed class RawObject(List<RawMember> members) : RawJson
{
    public List<RawMember> Members { get; } = members;

    public override RawJson Clone() => new RawObject([.. Members.Select(m => m with { Value = m.Value.Clone() })]);

    /// <summary>The value of the last member named <paramref name="key"/> (plain text), as JSON readers take it.</summary>
    public RawJson? Get(string key)
    {
        var literal = Literal(key);
        return Members.LastOrDefault(m => m.Key == literal)?.Value;
    }

    public RawObject Object(string key) => (RawObject)Get(key)!;

    public RawArray Array(string key) => (RawArray)Get(key)!;

    /// <summary>Sets the last member named <paramref name="key"/>, or adds one.</summary>
    public RawObject Set(string key, RawJson value)
    {
        var literal = Literal(key);
        var i = Members.FindLastIndex(m => m.Key == literal);
        if (i >= 0)
            Members[i] = Members[i] with { Value = value };
        else
            Members.Add(new RawMember(literal, value));
        return this;
    }

    public RawObject Remove(string key)
    {
        var literal = Literal(key);
        Members.RemoveAll(m => m.Key == literal);
        return this;
    }

    public override void WriteTo(StringBuilder text, Random? spacing)
    {
        text.Append('{');
        for (var i = 0; i < Members.Count; i++)
        {
            if (i > 0)
                text.Append(',');
            Gap(text, spacing);
            text.Append(Members[i].Key);
            Gap(text, spacing);
            text.Append(':');
            Gap(text, spacing);
            Members[i].Value.WriteTo(text, spacing);
        }
        Gap(text, spacing);
        text.Append('}');
    }
}

internal sealed class RawArray(List<RawJson> items) : RawJson
{
    public List<RawJson> Items { get; } = items;

    public override RawJson Clone() => new RawArray([.. Items.Select(i => i.Clone())]);

    public override void WriteTo(StringBuilder text, Random? spacing)
    {
        text.Append('[');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
                text.Append(',');
            Gap(text, spacing);
            Items[i].WriteTo(text, spacing);
        }
        Gap(text, spacing);
        text.Append(']');
    }
}
