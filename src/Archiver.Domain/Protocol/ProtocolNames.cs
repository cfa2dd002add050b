namespace Archiver.Domain.Protocol;

/// <summary>
/// The protocol's type names in one spelling. The server (and its documentation) uses several for the same thing:
/// short v3 names (<c>cm.…</c>, <c>cqm.…</c>, <c>ms.…</c>), LivePerson's internal <c>.ams.</c>-prefixed names,
/// <c>aam.</c> for <c>cqm.</c>, and <c>GetClock</c> with or without its dot (docs/protocol.md §4, §12, §14.1).
/// </summary>
public static class ProtocolNames
{
    public const string MessagingEventNotification = "ms.MessagingEventNotification";
    public const string ExConversationChangeNotification = "cqm.ExConversationChangeNotification";

    public static string Normalize(string? type)
    {
        if (string.IsNullOrEmpty(type))
            return string.Empty;
        var name = type;
        if (name.StartsWith(".ams.", StringComparison.Ordinal))
            name = name[5..];
        else if (name.StartsWith('.'))
            name = name[1..];
        if (name.StartsWith("aam.", StringComparison.Ordinal))
            name = "cqm." + name[4..];
        var dollar = name.IndexOf('$', StringComparison.Ordinal);
        return dollar >= 0 ? name[..dollar] : name;
    }

    public static bool IsMessagingEventNotification(string? type) =>
        Normalize(type) is MessagingEventNotification or "ms.OnlineEventDistribution";

    public static bool IsConversationChangeNotification(string? type) =>
        Normalize(type) == ExConversationChangeNotification;
}
