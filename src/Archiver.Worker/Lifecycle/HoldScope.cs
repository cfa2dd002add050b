using System.Globalization;
using System.Text.Json.Nodes;

namespace Archiver.Worker.Lifecycle;

/// <summary>
/// What a legal hold freezes (docs/compliance.md): conversations matching every criterion given — a list matches any of
/// its values; <see cref="From"/>/<see cref="To"/> bound the conversation's start; <see cref="Query"/> is full-text over
/// what was said (the originals, not the masked text). Evaluated whenever a disposal or erasure is considered, so a
/// conversation archived later inside the scope is held as soon as it exists.
/// </summary>
public sealed record HoldScope(
    IReadOnlyList<string> Conversations, IReadOnlyList<string> Consumers, IReadOnlyList<string> Agents,
    DateTimeOffset? From, DateTimeOffset? To, string? Query)
{
    /// <summary>Null when the scope can be a hold's; otherwise why not, naming the option.</summary>
    public string? Problem()
    {
        if (Conversations.Count == 0 && Consumers.Count == 0 && Agents.Count == 0 && From is null && To is null && string.IsNullOrWhiteSpace(Query))
            return "a hold needs a scope: --conversation, --consumer, --agent, --from/--to or --query";
        if (From is { } from && To is { } to && from >= to)
            return "--from must be before --to";
        if (Query is not null && string.IsNullOrWhiteSpace(Query))
            return "--query is empty";
        if (Conversations.Concat(Consumers).Concat(Agents).Any(string.IsNullOrWhiteSpace))
            return "an empty --conversation, --consumer or --agent";
        return null;
    }

    /// <summary>The scope as archive.legal_holds keeps it (archive.hold_matches reads it).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        if (Conversations.Count > 0)
            json["conversations"] = new JsonArray([.. Conversations.Select(c => (JsonNode?)c)]);
        if (Consumers.Count > 0)
            json["consumers"] = new JsonArray([.. Consumers.Select(c => (JsonNode?)c)]);
        if (Agents.Count > 0)
            json["agents"] = new JsonArray([.. Agents.Select(c => (JsonNode?)c)]);
        if (From is { } from)
            json["from"] = from.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
        if (To is { } to)
            json["to"] = to.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
        if (!string.IsNullOrWhiteSpace(Query))
            json["query"] = Query;
        return json;
    }
}
