using Archiver.Domain.Protocol;

namespace Archiver.Domain.Archive;

/// <summary>What kind of stream an id names, and whether an id from the wire can name a stream at all.</summary>
public enum StreamKind
{
    /// <summary>A dialog's messaging events, keyed by LivePerson's sequence: the stream id is the dialogId itself.</summary>
    Dialog,

    /// <summary><c>conversation:{id}</c>: observed states and the facts the worker derived.</summary>
    Conversation,

    /// <summary><c>agent:{id}</c>: agent profiles.</summary>
    Agent,

    /// <summary><c>chatstate:{dialogId}</c>: typing indicators, when kept.</summary>
    ChatState,

    /// <summary><c>unrecognised:{consumer}</c>: frames and changes the worker could not file anywhere else.</summary>
    Unrecognised,

    /// <summary><c>admin:archive</c>: privileged operations on the archive (migrations, rebuilds, key changes).</summary>
    Admin,
}

/// <summary>
/// The worker's own streams are named with a prefix ending in ':'; a dialog's stream is named by its dialogId alone.
/// So that no wire id can pose as one of the worker's streams (a dialogId "conversation:…" would otherwise write into a
/// conversation's facts), an id from the wire names a stream only when it has no ':' and is plain text: 1–256
/// characters, no control characters, no lone surrogates. LivePerson's ids are UUIDs and base64url strings.
/// </summary>
public static class StreamKeys
{
    public const int MaxIdLength = 256;

    public static StreamKind KindOf(string streamId)
    {
        var colon = streamId.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? StreamKind.Dialog : streamId.AsSpan(0, colon) switch
        {
            "conversation" => StreamKind.Conversation,
            "agent" => StreamKind.Agent,
            "chatstate" => StreamKind.ChatState,
            "admin" => StreamKind.Admin,
            _ => StreamKind.Unrecognised,
        };
    }

    /// <summary>Null when <paramref name="id"/> can name a stream; otherwise why not.</summary>
    public static string? Problem(string? id)
    {
        if (string.IsNullOrEmpty(id))
            return "it is missing";
        if (id.Length > MaxIdLength)
            return $"it is {id.Length} characters long (at most {MaxIdLength})";
        if (id.Contains(':', StringComparison.Ordinal))
            return "it contains ':', which only the archive's own stream names use";
        foreach (var c in id)
        {
            if (char.IsControl(c))
                return $"it contains the control character U+{(int)c:X4}";
        }
        return TextRepair.HasLoneSurrogate(id) ? "it contains a lone UTF-16 surrogate" : null;
    }

    /// <summary>An id shortened for a rejection's detail (which <see cref="ArchiveIssue.Of"/> makes printable).</summary>
    public static string Printable(string? id) => id is null ? "(none)" : id.Length > 80 ? id[..80] + "…" : id;
}
