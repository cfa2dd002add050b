namespace Archiver.Worker.Lifecycle;

/// <summary>Section <c>Erasure</c> (docs/compliance.md).</summary>
public sealed class ErasureOptions
{
    public const string Section = "Erasure";

    /// <summary>
    /// Property names whose values are a participant's personal details, erased wherever they occur in a conversation's
    /// events (its metadata and its messages), besides the messages' content. <c>Erasure__ParticipantFields__0=…</c>
    /// replaces the list.
    /// </summary>
    public List<string> ParticipantFields { get; set; } =
        ["firstName", "lastName", "fullName", "nickname", "avatarUrl", "email", "mail", "phone", "phoneNumber", "mobileNum"];
}
