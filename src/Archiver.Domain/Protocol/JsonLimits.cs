using System.Text.Json;

namespace Archiver.Domain.Protocol;

/// <summary>
/// The one nesting limit: a frame deeper than this is rejected whole when it is read off the socket, so everything that
/// reads a change later (the store's check of a body, the folds, the read models) can take any change that got in.
/// 256 is System.Text.Json's own ceiling for documents and far inside PostgreSQL's json parser's stack.
/// </summary>
public static class JsonLimits
{
    public const int MaxDepth = 256;

    public static JsonDocumentOptions Document { get; } = new() { MaxDepth = MaxDepth };

    public static JsonReaderOptions Reader { get; } = new() { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses a body the store accepted (one JSON value within the depth limit).</summary>
    public static JsonDocument Parse(string json) => JsonDocument.Parse(json, Document);
}
