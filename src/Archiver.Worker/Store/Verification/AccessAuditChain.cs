using System.Security.Cryptography;
using Archiver.Domain.Hashing;
using Archiver.Worker.Store.Checkpoints;
using Npgsql;

namespace Archiver.Worker.Store.Verification;

/// <summary>
/// The console's access audit trail as a chain (docs/console.md, "The audit trail"): hash = SHA-256(prev_hash ‖ row
/// hash), each row's hash over its own columns as the checkpoints take rows. Recorded by the console, checked by verify.
/// </summary>
public static class AccessAuditChain
{
    public static byte[] Link(ReadOnlySpan<byte> previous, object?[] fields)
    {
        Span<byte> buffer = stackalloc byte[EventHash.Size * 2];
        previous.CopyTo(buffer);
        RowDigest.HashOf(fields).CopyTo(buffer[EventHash.Size..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>Every row links to the one before it (numbered 1, 2, 3 …); a schema from before migration 0013 has none.</summary>
    public static async Task CheckAsync(NpgsqlConnection connection, List<VerificationFinding> findings, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('archive.access_audit') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
                return;
        }
        var previous = new byte[EventHash.Size];
        long expected = 1;
        await foreach (var (id, row) in ArchiveTables.AccessAuditAsync(connection, 0, cancellationToken))
        {
            var fields = row[..^2];
            var (prev, hash) = ((byte[])row[^2]!, (byte[])row[^1]!);
            if (id != expected || !prev.AsSpan().SequenceEqual(previous) || !hash.AsSpan().SequenceEqual(Link(prev, fields)))
            {
                findings.Add(new(FindingKind.AccessAuditChainBroken, null, null, null,
                    $"access audit row {id} does not chain from the one before it: the record of who saw what was rewritten"));
            }
            previous = hash;
            expected = id + 1;
        }
    }
}
