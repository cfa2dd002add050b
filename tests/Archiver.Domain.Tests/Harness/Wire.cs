using System.Text;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Hashing;
using Archiver.Domain.Protocol;
using Archiver.Domain.Tests.Fuzz;

namespace Archiver.Domain.Tests.Harness;

/// <summary>Frames as the server sends them, through the parser and the mapping, and mapped events as the store records them.</summary>
internal static class Wire
{
    public const string Consumer = "c";

    public static readonly DateTimeOffset RecordedAt = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A sample frame with its first change edited as raw JSON (so an escape such as <c>\ud83d</c> or a number such as
    /// <c>1e30</c> goes in exactly as written); the sample itself is read where it lies, never copied.
    /// </summary>
    public static string Sample(string name, Action<RawObject> editChange)
    {
        var frame = (RawObject)RawJson.Parse(Samples.Text(name));
        editChange((RawObject)frame.Object("body").Array("changes").Items[0]);
        return frame.Text();
    }

    /// <summary>Raw JSON text, taken whole.</summary>
    public static RawJson Raw(string json) => new RawToken(json);

    public static string MessagingFrame(string changeJson) =>
        """{"kind":"notification","type":"ms.MessagingEventNotification","body":{"changes":[""" + changeJson + "]}}";

    public static string ConversationFrame(string changeJson) =>
        """{"kind":"notification","type":"cqm.ExConversationChangeNotification","body":{"subscriptionId":"s1","changes":[""" + changeJson + "]}}";

    /// <summary>The single messaging change of a frame.</summary>
    public static MessagingChange MessagingChange(string frame) =>
        Assert.Single(Assert.IsType<MessagingNotification>(Parse(frame)).Changes);

    /// <summary>The single conversation change of a frame.</summary>
    public static ConversationChange ConversationChange(string frame) =>
        Assert.Single(Assert.IsType<ConversationNotification>(Parse(frame)).Changes);

    /// <summary>The event the worker appends for a frame's single messaging change.</summary>
    public static NewEvent Mapped(string frame) => ArchiveMapping.ForMessaging(MessagingChange(frame), Consumer, archiveChatStates: false)!;

    /// <summary>The events the worker appends for a frame's single conversation change, as the conversation's first state.</summary>
    public static IReadOnlyList<NewEvent> MappedConversation(string frame) =>
        ArchiveMapping.ForConversation(ConversationChange(frame), null, Consumer).Events;

    /// <summary>A mapped event as the store holds it (a store-assigned position is given as 0).</summary>
    public static RecordedEvent Recorded(NewEvent e, long globalPosition = 1) =>
        new(globalPosition, e.StreamId, e.Position ?? 0, e.Type, e.Body, e.ServerTimestamp, RecordedAt, e.DedupeKey, EventHash.Genesis, new byte[EventHash.Size]);

    /// <summary>The recorded event of a frame's single messaging change.</summary>
    public static RecordedEvent RecordedMessaging(string frame, long globalPosition = 1) => Recorded(Mapped(frame), globalPosition);

    private static ServerFrame? Parse(string frame)
    {
        var parsed = FrameParser.Parse(Encoding.UTF8.GetBytes(frame), out var rejection);
        Assert.Null(rejection);
        return parsed;
    }
}
