using System.Buffers;
using System.Text;
using System.Text.Json;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Masking;

/// <summary>
/// Masks the string values of a JSON document (rich content: structured-content cards, quick replies) and writes it out
/// compact. It reads tokens rather than building a document, copies property names, numbers and unchanged strings byte
/// for byte from the input, and reads and writes string values itself (<see cref="JsonText"/>), so an escaped lone
/// surrogate, which <see cref="JsonElement.GetString"/> throws on, is masked around like any other character.
/// </summary>
internal static class JsonMasking
{
    /// <summary>
    /// False when <paramref name="utf8"/> is not one JSON value within <see cref="JsonLimits.MaxDepth"/>; otherwise the
    /// masked document in <paramref name="masked"/>, or null there when no string value changed.
    /// </summary>
    public static bool TryMask(ReadOnlySpan<byte> utf8, Masker masker, out string? masked)
    {
        masked = null;
        var output = new ArrayBufferWriter<byte>(utf8.Length + 16);
        var changed = false;
        var tokens = 0;
        var reader = new Utf8JsonReader(utf8, JsonLimits.Reader);
        var needsComma = false;
        try
        {
            while (reader.Read())
            {
                tokens++;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        Separate(output, ref needsComma, false);
                        Write(output, reader.TokenType == JsonTokenType.StartObject ? (byte)'{' : (byte)'[');
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        Write(output, reader.TokenType == JsonTokenType.EndObject ? (byte)'}' : (byte)']');
                        needsComma = true;
                        break;
                    case JsonTokenType.PropertyName:
                        Separate(output, ref needsComma, false);
                        WriteQuoted(output, reader.ValueSpan);
                        Write(output, (byte)':');
                        break;
                    case JsonTokenType.String:
                        Separate(output, ref needsComma, true);
                        var value = JsonText.Unescape(reader.ValueSpan);
                        var maskedValue = masker.Mask(value)!;
                        if (ReferenceEquals(maskedValue, value))
                        {
                            WriteQuoted(output, reader.ValueSpan);
                            break;
                        }
                        changed = true;
                        output.Write(Encoding.UTF8.GetBytes(JsonText.AppendQuoted(new StringBuilder(maskedValue.Length + 2), maskedValue).ToString()));
                        break;
                    default: // numbers, true, false, null: exactly as written
                        Separate(output, ref needsComma, true);
                        output.Write(reader.ValueSpan);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return false; // not JSON, more than one value, or deeper than the limit
        }
        if (tokens == 0)
            return false;
        if (changed)
            masked = Encoding.UTF8.GetString(output.WrittenSpan);
        return true;
    }

    /// <summary>A comma before a value or key that follows another in its container.</summary>
    private static void Separate(ArrayBufferWriter<byte> output, ref bool needsComma, bool isValue)
    {
        if (needsComma)
            Write(output, (byte)',');
        needsComma = isValue;
    }

    private static void WriteQuoted(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> raw)
    {
        Write(output, (byte)'"');
        output.Write(raw);
        Write(output, (byte)'"');
    }

    private static void Write(ArrayBufferWriter<byte> output, byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }
}
