using Archiver.Domain.Events;

namespace Archiver.Worker.Tests.Store;

/// <summary>LivePerson-shaped events for store tests.</summary>
internal static class Events
{
    public static NewEvent Content(string dialogId, long sequence, string text = "hello", string originator = "734d9867-40e3-52b9-a401-07e877676d64") =>
        new(dialogId, sequence, "ContentEvent",
            $$"""{"sequence":{{sequence}},"originatorId":"{{originator}}","serverTimestamp":{{1477840831162 + sequence}},"event":{"type":"ContentEvent","message":"{{text}}","contentType":"text/plain"},"dialogId":"{{dialogId}}"}""",
            DateTimeOffset.FromUnixTimeMilliseconds(1477840831162 + sequence));

    public static NewEvent Metadata(string conversationId, string state, long updatedTs) =>
        new(conversationId, null, "ConversationStateObserved",
            $$"""{"type":"UPSERT","result":{"convId":"{{conversationId}}","conversationDetails":{"state":"{{state}}","metaDataLastUpdateTs":{{updatedTs}} } } }""",
            DateTimeOffset.FromUnixTimeMilliseconds(updatedTs),
            DedupeKey: $"{state}@{updatedTs}");
}
