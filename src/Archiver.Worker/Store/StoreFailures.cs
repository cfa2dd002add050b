using Npgsql;

namespace Archiver.Worker.Store;

/// <summary>Whether a failure of the store came from what was written or from the database being unavailable.</summary>
public static class StoreFailures
{
    /// <summary>
    /// A failure caused by content rather than by the database being unavailable: the store refusing an event as bad
    /// input, PostgreSQL refusing the data (classes 22 data exception, 23 integrity, 54 program limit), or an exception of
    /// the projection code itself. Anything else (connection lost, shutdown, a missing grant or table) is the
    /// deployment's or the moment's, not the content's: retried, and reported by readiness meanwhile, never skipped.
    /// </summary>
    public static bool IsContent(Exception e) => e switch
    {
        OperationCanceledException => false, // being stopped is never the content's doing
        PostgresException p => p.SqlState.Length == 5 && p.SqlState[..2] is "22" or "23" or "54",
        NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException or EventStoreException => false,
        _ => true,
    };
}
