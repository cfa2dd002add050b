namespace Archiver.Worker.Store.Migrations;

/// <summary>A migration file differs from the one applied to the database: the schema's history would be a lie.</summary>
public sealed class MigrationChangedException : Exception
{
    public MigrationChangedException(string fileName, string appliedChecksum, string fileChecksum)
        : base($"Migration {fileName} was changed after it was applied (applied checksum {appliedChecksum[..12]}…, " +
               $"file now {fileChecksum[..12]}…). Restore the file; schema changes go in a new numbered migration.")
    {
        FileName = fileName;
    }

    public MigrationChangedException() { }

    public MigrationChangedException(string message) : base(message) { }

    public MigrationChangedException(string message, Exception innerException) : base(message, innerException) { }

    public string? FileName { get; }
}
