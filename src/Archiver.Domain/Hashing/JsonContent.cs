using System.Text.Json;

namespace Archiver.Domain.Hashing;

/// <summary>
/// "The same content" for two received copies of one event: equal JSON values, whatever their key order or
/// whitespace. A server that re-sends an event with its keys in another order has not changed it; one that
/// re-sends it with another value has, and that is a conflict.
/// </summary>
public static class JsonContent
{
    /// <summary>Whether <paramref name="text"/> is exactly one well-formed JSON value.</summary>
    public static bool IsValid(string? text)
    {
        if (string.IsNullOrEmpty(text) || Protocol.TextRepair.HasLoneSurrogate(text))
            return false; // a lone surrogate has no UTF-8 form: such text could not be stored as it is
        // Every event's body passes here on its way into the store: a pooled buffer, not a new array each time.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetByteCount(text));
        try
        {
            var length = System.Text.Encoding.UTF8.GetBytes(text, buffer);
            var reader = new Utf8JsonReader(buffer.AsSpan(0, length), Protocol.JsonLimits.Reader);
            if (!reader.Read())
                return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static bool AreEquivalent(string left, string right)
    {
        if (string.Equals(left, right, StringComparison.Ordinal))
            return true;
        try
        {
            using var a = Protocol.JsonLimits.Parse(left);
            using var b = Protocol.JsonLimits.Parse(right);
            return JsonElement.DeepEquals(a.RootElement, b.RootElement);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return false;
        }
    }
}
