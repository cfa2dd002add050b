using Npgsql;

namespace Archiver.Worker.Coordination;

/// <summary>The database that holds leases and identities did not answer: the caller waits and tries again.</summary>
public sealed class CoordinationUnavailableException : Exception
{
    public CoordinationUnavailableException(string message, Exception innerException) : base(message, innerException) { }

    public CoordinationUnavailableException() { }

    public CoordinationUnavailableException(string message) : base(message) { }

    /// <summary>Runs a database operation, turning its failure into this exception (the message names no host or secret).</summary>
    internal static async Task<T> Guard<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (NpgsqlException e)
        {
            throw new CoordinationUnavailableException($"The archive database did not answer ({(e is PostgresException p ? p.SqlState : e.GetType().Name)}).", e);
        }
    }
}
