namespace Archiver.Worker.Store;

/// <summary>A store failure explained in the archive's terms rather than as a raw database error.</summary>
public sealed class EventStoreException : Exception
{
    public EventStoreException(string message) : base(message) { }

    public EventStoreException(string message, Exception innerException) : base(message, innerException) { }

    public EventStoreException() { }
}
