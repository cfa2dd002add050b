using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Archiver.Domain.Archive;
using Archiver.Domain.Hashing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Store.Checkpoints;

/// <summary>
/// Takes a signed checkpoint (docs/event-store.md): in one repeatable-read snapshot — appends serialise on the log head
/// and move the stream heads in the same transaction, so a snapshot sees whole appends only — it reads the log head,
/// every stream's head and the rows of the conflicts and rejections added since the previous checkpoint, signs the
/// statement with the key the database never holds, appends it to archive.checkpoints (hash-chained) and writes it as
/// a file to the checkpoint directory. One checkpoint is taken at a time, whichever worker or command takes it.
/// </summary>
public sealed partial class Checkpointer(
    NpgsqlDataSource dataSource,
    IOptions<IntegrityOptions> options,
    AdminLog admin,
    TimeProvider time,
    ILogger<Checkpointer> logger)
{
    // Any fixed number: the lock is the same for every Archiver process on this database.
    private const long CheckpointLockKey = 0x4368_6563_6b70_7473; // "Checkpts"

    public bool Enabled => !string.IsNullOrWhiteSpace(options.Value.SigningKeyFile);

    /// <summary>
    /// Takes one now. <paramref name="whileOpen"/>, if given, is called with the id of the checkpoint's snapshot
    /// (<c>pg_export_snapshot</c>) while it is still open, so an export can read exactly the state the checkpoint states.
    /// </summary>
    public async Task<SignedCheckpoint> TakeAsync(CancellationToken cancellationToken, Func<string, Task>? whileOpen = null)
    {
        var o = options.Value;
        if (!Enabled)
            throw new InvalidOperationException("Integrity__SigningKeyFile is not set: checkpoints cannot be signed.");
        using var key = CheckpointKey.LoadPrivate(o.SigningKeyFile!, "Integrity__SigningKeyFile");
        var keyId = CheckpointKey.IdOf(key);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var locking = new NpgsqlCommand($"SELECT pg_advisory_lock({CheckpointLockKey})", connection))
            await locking.ExecuteNonQueryAsync(cancellationToken);
        SignedCheckpoint signed;
        string? previousKey;
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
            if (whileOpen is not null)
            {
                await using var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection, transaction);
                await whileOpen((string)(await export.ExecuteScalarAsync(cancellationToken))!);
            }
            var last = await LastAsync(connection, transaction, cancellationToken);
            previousKey = last?.KeyId;
            if (previousKey is not null && previousKey != keyId && !await CanRecordAsync(connection, transaction, cancellationToken))
            {
                throw new InvalidOperationException(
                    $"the checkpoint key changed (from {previousKey} to {keyId}) since checkpoint {last!.Number}, and this login cannot record " +
                    "the change in the admin stream: take the first checkpoint with the new key as the worker's login (archiver checkpoint)");
            }
            var lastPayload = last is null ? null : CheckpointPayload.Parse(last.Payload);
            var payload = await StateAsync(connection, transaction, last?.Number + 1 ?? 1, lastPayload, last?.Hash ?? new byte[EventHash.Size], keyId, cancellationToken);
            var text = payload.ToCanonicalJson();
            var signature = CheckpointKey.Sign(key, System.Text.Encoding.UTF8.GetBytes(text));
            var previousHash = last?.Hash ?? new byte[EventHash.Size];
            signed = new SignedCheckpoint(payload.Number, text, signature, keyId, previousHash, SignedCheckpoint.HashOf(previousHash, text, signature));
            await InsertAsync(connection, transaction, signed, payload.CreatedAt, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({CheckpointLockKey})", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }

        await WriteFileAsync(o.CheckpointDirectory, signed, cancellationToken);
        if (previousKey is not null && previousKey != keyId)
        {
            await admin.RecordAsync(ArchiveEventTypes.CheckpointKeyChanged, keyId,
                new JsonObject { ["keyId"] = keyId, ["previousKeyId"] = previousKey, ["checkpoint"] = signed.Number }, cancellationToken);
        }
        CheckpointTaken(logger, signed.Number, keyId);
        return signed;
    }

    private async Task<CheckpointPayload> StateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long number, CheckpointPayload? previous, byte[] previousHash, string keyId,
        CancellationToken cancellationToken)
    {
        long globalPosition, events;
        await using (var head = new NpgsqlCommand(
            "SELECT (SELECT last_position FROM archive.log_head), (SELECT coalesce(sum(event_count), 0)::bigint FROM archive.streams)", connection, transaction))
        await using (var reader = await head.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (globalPosition, events) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        var heads = await ArchiveTables.StreamHeadsAsync(connection, cancellationToken);

        // The tables' digests go on from the previous checkpoint's: only the rows added since are read.
        var conflicts = new RowDigest(previous?.ConflictsDigest, previous?.Conflicts ?? 0);
        var lastConflict = previous?.LastConflictId ?? 0;
        await foreach (var (id, fields) in ArchiveTables.ConflictsAsync(connection, lastConflict, cancellationToken))
        {
            conflicts.Add(fields);
            lastConflict = id;
        }
        var rejections = new RowDigest(previous?.RejectionsDigest, previous?.Rejections ?? 0);
        var lastRejection = previous?.LastRejectionId ?? 0;
        await foreach (var (id, fields) in ArchiveTables.RejectionsAsync(connection, lastRejection, cancellationToken))
        {
            rejections.Add(fields);
            lastRejection = id;
        }

        var certificates = new RowDigest(previous?.CertificatesDigest, previous?.Certificates ?? 0);
        var lastCertificate = previous?.LastCertificateId ?? 0;
        await foreach (var (id, fields) in ArchiveTables.CertificatesAsync(connection, lastCertificate, cancellationToken))
        {
            certificates.Add(fields);
            lastCertificate = id;
        }

        var audit = new RowDigest(previous?.AccessAuditDigest, previous?.AccessAudit ?? 0);
        var lastAudit = previous?.LastAccessAuditId ?? 0;
        await foreach (var (id, fields) in ArchiveTables.AccessAuditAsync(connection, lastAudit, cancellationToken))
        {
            audit.Add(fields);
            lastAudit = id;
        }

        return new CheckpointPayload(number, EventHash.TruncateToMicroseconds(time.GetUtcNow()), globalPosition, events, heads.Count, StreamHeadsRoot.Compute(heads),
            conflicts.Rows, lastConflict, conflicts.Value, rejections.Rows, lastRejection, rejections.Value, previousHash, keyId,
            certificates.Rows, lastCertificate, certificates.Value, audit.Rows, lastAudit, audit.Value);
    }

    /// <summary>Whether this login may append to the log: a key change is recorded there (a compliance login may not).</summary>
    private static async Task<bool> CanRecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT has_table_privilege('archive.events', 'INSERT')", connection, transaction);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<SignedCheckpoint?> LastAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT checkpoint_id, payload, signature, key_id, prev_hash, hash FROM archive.checkpoints ORDER BY checkpoint_id DESC LIMIT 1", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new SignedCheckpoint(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetString(3),
                reader.GetFieldValue<byte[]>(4), reader.GetFieldValue<byte[]>(5))
            : null;
    }

    private static async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SignedCheckpoint signed, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO archive.checkpoints (checkpoint_id, payload, signature, key_id, prev_hash, hash, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = signed.Number });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = signed.Payload });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = signed.Signature });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = signed.KeyId });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = signed.PreviousHash });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = signed.Hash });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Written whole or not at all (a temporary file renamed): a reader never sees half a checkpoint.</summary>
    private async Task WriteFileAsync(string? directory, SignedCheckpoint signed, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(directory))
            return;
        try
        {
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, SignedCheckpoint.FileName(signed.Number));
            var temporary = path + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)) + ".tmp";
            await File.WriteAllTextAsync(temporary, signed.ToFileJson(), cancellationToken);
            File.Move(temporary, path, overwrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The checkpoint is in the table; the next one's file will carry the chain on. Loud: the files are the anchor.
            FileNotWritten(logger, signed.Number, directory, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpoint {Number} taken and signed (key {KeyId})")]
    private static partial void CheckpointTaken(ILogger logger, long number, string keyId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Checkpoint {Number} is in archive.checkpoints but its file could not be written to {Directory} ({Reason})")]
    private static partial void FileNotWritten(ILogger logger, long number, string directory, string reason);
}
