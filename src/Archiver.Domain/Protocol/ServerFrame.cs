namespace Archiver.Domain.Protocol;

/// <summary>A frame the UMS server sent, as the worker understands it.</summary>
public abstract record ServerFrame;

/// <summary>An answer to one of our requests. <see cref="Code"/> ≥ 400 is an error; the type string is not relied on.</summary>
public sealed record ResponseFrame(string ReqId, int Code, string? Type, string? BodyJson) : ServerFrame
{
    /// <summary>The code given to a response whose <c>code</c> is not a status code at all.</summary>
    public const int InvalidCode = 0;

    public bool IsSuccess => Code is >= 200 and < 400;
}

/// <summary><c>ms.MessagingEventNotification</c>: messaging events of one or more dialogs (every element of changes[]).</summary>
public sealed record MessagingNotification(IReadOnlyList<MessagingChange> Changes) : ServerFrame;

/// <summary><c>cqm.ExConversationChangeNotification</c>: conversation metadata changes (every element of changes[]).</summary>
public sealed record ConversationNotification(string? SubscriptionId, IReadOnlyList<ConversationChange> Changes) : ServerFrame;

/// <summary>A well-formed frame of a kind or type the worker has no use for; archived as received.</summary>
public sealed record UnrecognisedFrame(string? Kind, string? Type, string Json) : ServerFrame;
