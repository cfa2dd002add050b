namespace Archiver.Domain.Lifecycle;

/// <summary>
/// LivePerson's own erasure as it shows in what it sends: personal content replaced with its deletion marker (a GDPR
/// request to LivePerson, final after 5 days). The archive keeps what it received and records that the source deleted
/// it; whether to erase the archive's copy too is the operator's decision (docs/compliance.md).
/// </summary>
public static class SourceDeletion
{
    public const string Marker = "*** LP deleted data ***";

    public static bool IsMarked(string? text) => text is not null && text.Contains(Marker, StringComparison.Ordinal);
}
