using System.Text;
using System.Text.Json;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Lifecycle;

/// <summary>
/// What an erasure does to one archived event's body (docs/compliance.md): the message's content — <c>event.message</c>
/// (text, or a file's caption, path and preview) and <c>event.content</c> (rich content) of a messaging event — and the
/// value of every property named in the configured participant fields, at any depth, become <see cref="Erased"/>.
/// Everything else keeps its exact bytes: the body is spliced, never re-serialised, so what is left is still the evidence
/// as received. Pure: no I/O, never throws on a body the store accepted.
/// </summary>
public static class EventRedaction
{
    /// <summary>What an erased value reads as, in the events and the read models alike.</summary>
    public const string Erased = "[erased]";

    private static readonly byte[] ErasedJson = Encoding.UTF8.GetBytes($"\"{Erased}\"");

    /// <param name="body">The stored body (one JSON value).</param>
    /// <param name="messaging">Whether the event is a messaging event (a dialog's), whose message content is erased.</param>
    /// <param name="participantFields">Property names whose values are personal details, erased wherever they occur.</param>
    /// <returns>The redacted body, or the same instance when nothing in it is personal content.</returns>
    public static string Redact(string body, bool messaging, IReadOnlySet<string> participantFields)
    {
        var utf8 = Encoding.UTF8.GetBytes(body);
        var ranges = new List<(int Start, int End)>();
        try
        {
            Collect(utf8, messaging, participantFields, ranges);
        }
        catch (JsonException)
        {
            // Not JSON the reader takes (the store accepts none such): nothing can be located, so the whole value goes.
            return body == $"\"{Erased}\"" ? body : $"\"{Erased}\"";
        }
        if (ranges.Count == 0)
            return body;

        var output = new List<byte>(utf8.Length);
        var at = 0;
        foreach (var (start, end) in ranges)
        {
            output.AddRange(utf8.AsSpan(at, start - at).ToArray());
            output.AddRange(ErasedJson);
            at = end;
        }
        output.AddRange(utf8.AsSpan(at).ToArray());
        var redacted = Encoding.UTF8.GetString(output.ToArray());
        return redacted == body ? body : redacted;
    }

    /// <summary>A property's name, or null when it cannot be one of ours (an escaped lone surrogate has no string form).</summary>
    private static string? NameOf(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The byte ranges of the values to erase, in order and not overlapping.</summary>
    private static void Collect(byte[] utf8, bool messaging, IReadOnlySet<string> fields, List<(int, int)> ranges)
    {
        var reader = new Utf8JsonReader(utf8, JsonLimits.Reader);
        // The property names on the way down, so "event" at depth 1 and "message" at depth 2 can be told apart.
        var path = new List<string?>();
        string? pending = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    pending = NameOf(ref reader);
                    var inEvent = messaging && path.Count == 2 && path[1] == "event";
                    if ((inEvent && pending is "message" or "content") || (pending is not null && fields.Contains(pending)))
                    {
                        reader.Read();
                        var start = (int)reader.TokenStartIndex;
                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                            reader.Skip();
                        var isErased = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(Erased);
                        if (!isErased)
                            ranges.Add((start, (int)reader.BytesConsumed));
                        pending = null;
                    }
                    break;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    path.Add(pending);
                    pending = null;
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    path.RemoveAt(path.Count - 1);
                    break;
                default:
                    pending = null;
                    break;
            }
        }
    }
}
