namespace Archiver.Simulator.World;

/// <summary>
/// What a scripted scenario knows about a conversation it played that the wire does not say outright — which messages
/// carry personal data, and which only look like it — so tests can check masking and erasure message by message
/// (the ground truth's <c>scenario</c> object, docs/simulator.md).
/// </summary>
/// <param name="Kind">The scenario that played it (<c>year</c>).</param>
/// <param name="Index">Its place in the scenario run, 0-based (it fixes the start time and the content).</param>
/// <param name="Ending"><c>survey</c>, <c>consumer-close-csat</c> or <c>agent-close</c>.</param>
/// <param name="Messages">Only the messages with personal data, look-alikes or the deletion marker, in publishing order.</param>
public sealed record ScenarioFacts(string Kind, int Index, string SkillName, string Ending, bool Transferred, IReadOnlyList<MessageFacts> Messages);

/// <param name="Role">The originator's role: <c>CONSUMER</c> or <c>ASSIGNED_AGENT</c>.</param>
/// <param name="EventType"><c>ContentEvent</c> or <c>RichContentEvent</c> (personal data inside a structured-content text element).</param>
/// <param name="Pii">Personal data in the message: each kind with the exact substring of the message (as it is on the wire, unescaped).</param>
/// <param name="LookAlikes">Substrings that resemble personal data but are not (order numbers, tracking ids, timestamps): never to be masked.</param>
/// <param name="DeletionMarker">The whole text is LivePerson's GDPR deletion marker <c>*** LP deleted data ***</c>.</param>
public sealed record MessageFacts(string DialogId, long Sequence, string Role, string EventType, IReadOnlyList<DataMention> Pii,
    IReadOnlyList<DataMention> LookAlikes, bool DeletionMarker);

/// <summary>A kind (<c>card</c>, <c>ssn</c>, <c>email</c>, <c>phone</c>, <c>iban</c>; <c>order</c>, <c>tracking</c>, <c>timestamp</c>) and the exact text.</summary>
public sealed record DataMention(string Kind, string Value);
