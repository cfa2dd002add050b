namespace Archiver.Worker.Hosting;

/// <summary>Section <c>Archive</c> (environment: <c>Archive__…</c>).</summary>
public sealed class ArchiveOptions
{
    public const string Section = "Archive";

    /// <summary>Apply pending migrations when the worker starts (<c>Archive__MigrateOnStart</c>, default true).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary><c>ConnectionStrings__Archive</c>: the Postgres connection string. Never logged.</summary>
    public string? ConnectionString { get; set; }
}
