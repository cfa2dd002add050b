using System.Runtime.CompilerServices;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Hashing;
using Archiver.Domain.Protocol;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Archiver.Worker.Store;

/// <summary>
/// The event store on PostgreSQL (schema in migrations/0001_event_store.sql). Hand-written because Marten is not
/// available here; it keeps Marten's table shape and avoids its known failures (gaps in global order, raw
/// duplicate-key errors, projections that lag the log).
/// </summary>
/// <remarks>
/// One append = one transaction: lock the batch's stream rows in stream-id order (deadlock-free), look up only the
/// keys at or below each stream's head, plan duplicates/conflicts, take a gapless block of global positions, chain
/// the hashes, binary-COPY the new rows, move the stream heads, record conflicts, run the inline projections, commit.
/// </remarks>
public sealed class PostgresEventStore(
    NpgsqlDataSource dataSource,
    IEnumerable<IInlineProjection> projections,
    TimeProvider timeProvider,
    StoreMetrics metrics,
    ILogger<PostgresEventStore> logger) : IEventStore
{
    private const int MaxStreamIdLength = 512;
    private readonly IInlineProjection[] _projections = projections.ToArray();

    public Task<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken cancellationToken = default) =>
        AppendAsync(events, [], cancellationToken);

    public async Task<AppendResult> AppendAsync(
        IReadOnlyList<NewEvent> events, IReadOnlyList<RejectionRecord> frameRejections, CancellationToken cancellationToken = default)
    {
        Validate(events);
        if (events.Count == 0 && frameRejections.Count == 0)
            return AppendResult.Empty;

        var started = timeProvider.GetTimestamp();
        AppendResult result;
        try
        {
            result = await AppendOnceAsync(events, frameRejections, isolateProjections: false, cancellationToken);
        }
        catch (ProjectionContentException)
        {
            // The batch's projections failed on content: nothing of it was written. Again, each event's projection
            // under a savepoint of its own; the fast path above pays no savepoint at all.
            result = await AppendOnceAsync(events, frameRejections, isolateProjections: true, cancellationToken);
        }

        metrics.RecordAppend(result, timeProvider.GetElapsedTime(started));
        foreach (var rejection in result.Rejections)
        {
            metrics.RejectionRecorded(rejection);
            StoreLog.RejectionRecorded(logger, rejection.StageName, rejection.Issue.Reason, rejection.StreamId ?? "-", rejection.Position ?? -1,
                rejection.ConsumerName ?? "-", rejection.Issue.Detail);
        }
        StoreLog.BatchAppended(logger, events.Count, result.Appended, result.Duplicates, result.Conflicts);
        return result;
    }

    private async Task<AppendResult> AppendOnceAsync(
        IReadOnlyList<NewEvent> events, IReadOnlyList<RejectionRecord> frameRejections, bool isolateProjections, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = EventHash.TruncateToMicroseconds(timeProvider.GetUtcNow());

        List<RecordedEvent> recorded = [];
        List<AppendOutcome> outcomes = [];
        var rejections = new List<RejectionRecord>(frameRejections);
        if (events.Count > 0)
        {
            var heads = await LockStreamsAsync(connection, events, cancellationToken);
            var (positions, keys) = AppendPlan.KeysToLookUp(events, heads);
            var occupants = positions.Count + keys.Count == 0
                ? []
                : await FindOccupantsAsync(connection, positions, keys, cancellationToken);
            var plan = AppendPlan.Create(events, heads, occupants);

            recorded = plan.NewEvents.Count == 0
                ? []
                : await WriteNewEventsAsync(connection, events, plan, heads, now, cancellationToken);
            outcomes = Outcomes(events, plan, recorded);
            await RecordConflictsAsync(connection, events, plan, outcomes, now, cancellationToken);

            // What the mapping could not keep exactly is recorded with the event, the first time it is appended.
            for (var i = 0; i < recorded.Count; i++)
            {
                var e = recorded[i];
                foreach (var issue in events[plan.NewEvents[i]].Issues ?? [])
                    rejections.Add(new RejectionRecord(RejectionStage.Mapping, issue, ConsumerOf(e.StreamId), e.StreamId, e.Position, e.GlobalPosition));
            }
            if (recorded.Count > 0)
                rejections.AddRange((await ProjectAsync(connection, transaction, recorded, isolateProjections, cancellationToken)).ToRecords());
        }
        var newRejections = await RejectionTable.InsertAsync(connection, rejections, now, cancellationToken);

        try
        {
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw KeyTakenBehindOurBack(e);
        }

        return new AppendResult(outcomes) { Rejections = newRejections };
    }

    /// <summary>The consumer whose unrecognised stream this is, for the rejection record (other streams do not say).</summary>
    private static string? ConsumerOf(string streamId) =>
        StreamKeys.KindOf(streamId) == StreamKind.Unrecognised && streamId.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 ? streamId[(colon + 1)..] : null;

    /// <summary>
    /// Runs the inline projections over the new events. Content they cannot project must not fail the batch (the events
    /// are the evidence and are kept whatever happens to their read-model rows): on such a failure the whole append is
    /// made again with <paramref name="isolate"/>, where each event's projection runs under its own savepoint and an
    /// event that still fails is recorded and left out of the read models. A failure of the database itself
    /// (connection lost, shutdown) is not content and fails the append, which the writer retries.
    /// </summary>
    private async Task<ProjectionIssues> ProjectAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<RecordedEvent> recorded, bool isolate, CancellationToken cancellationToken)
    {
        var issues = new ProjectionIssues();
        if (!isolate)
        {
            try
            {
                foreach (var projection in _projections)
                    await projection.ApplyAsync(connection, recorded, issues, cancellationToken);
                return issues;
            }
            catch (Exception e) when (StoreFailures.IsContent(e))
            {
                throw new ProjectionContentException(e);
            }
        }

        foreach (var e in recorded)
        {
            await transaction.SaveAsync("projection", cancellationToken);
            var one = new ProjectionIssues();
            try
            {
                foreach (var projection in _projections)
                    await projection.ApplyAsync(connection, [e], one, cancellationToken);
                await transaction.ReleaseAsync("projection", cancellationToken);
                issues.AddRange(one);
            }
            catch (Exception failure) when (StoreFailures.IsContent(failure))
            {
                await transaction.RollbackAsync("projection", cancellationToken);
                issues.Add(e, ArchiveIssue.Of(IssueReasons.ProjectionFailed, $"not projected: {Describe(failure)}"));
            }
        }
        return issues;
    }

    /// <summary>A projection failed on content: the append is made again with each event's projection isolated.</summary>
    private sealed class ProjectionContentException(Exception inner) : Exception("A projection failed on the batch's content.", inner);

    private static string Describe(Exception e) => e is PostgresException p ? $"PostgreSQL {p.SqlState}: {p.MessageText}" : $"{e.GetType().Name}: {e.Message}";

    public async Task<IReadOnlyDictionary<string, long>> GetMaxPositionsAsync(
        IReadOnlyCollection<string> streamIds, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT stream_id, max_position FROM archive.streams WHERE stream_id = ANY($1) AND event_count > 0");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = streamIds.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
            result[reader.GetString(0)] = reader.GetInt64(1);
        return result;
    }

    public async IAsyncEnumerable<RecordedEvent> ReadStreamAsync(
        string streamId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {RecordedEventColumns} FROM archive.events WHERE stream_id = $1 ORDER BY position");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return ReadRecordedEvent(reader);
    }

    public async Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(
        long afterGlobalPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        await using var command = dataSource.CreateCommand(
            $"SELECT {RecordedEventColumns} FROM archive.events WHERE global_position > $1 ORDER BY global_position LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterGlobalPosition });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxCount });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var page = new List<RecordedEvent>();
        while (await reader.ReadAsync(cancellationToken))
            page.Add(ReadRecordedEvent(reader));
        return page;
    }

    internal const string RecordedEventColumns =
        "global_position, stream_id, position, type, body, server_ts, recorded_at, dedupe_key, prev_hash, hash";

    internal static RecordedEvent ReadRecordedEvent(NpgsqlDataReader reader) => new(
        GlobalPosition: reader.GetInt64(0),
        StreamId: reader.GetString(1),
        Position: reader.GetInt64(2),
        Type: reader.GetString(3),
        Body: reader.GetString(4),
        ServerTimestamp: reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        RecordedAt: reader.GetFieldValue<DateTimeOffset>(6),
        DedupeKey: reader.IsDBNull(7) ? null : reader.GetString(7),
        PrevHash: reader.GetFieldValue<byte[]>(8),
        Hash: reader.GetFieldValue<byte[]>(9));

    private static void Validate(IReadOnlyList<NewEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i] ?? throw new ArgumentException($"Event {i} of the batch is null.", nameof(events));
            if (string.IsNullOrEmpty(e.StreamId) || e.StreamId.Length > MaxStreamIdLength || !IsStorableText(e.StreamId))
                throw new ArgumentException($"Event {i} of the batch has no stream id, one over {MaxStreamIdLength} characters, or one with NUL or a lone surrogate.", nameof(events));
            if (string.IsNullOrEmpty(e.Type) || !IsStorableText(e.Type))
                throw new ArgumentException($"Event {i} of the batch ({e.StreamId}) has no type, or one with NUL or a lone surrogate.", nameof(events));
            if (e.Position is < 0)
                throw new ArgumentException($"Event {i} of the batch ({e.StreamId}) has a negative position {e.Position}.", nameof(events));
            if (e.Position is not null && e.DedupeKey is not null)
                throw new ArgumentException($"Event {i} of the batch ({e.StreamId}) has both a position and a dedupe key; the key is for store-assigned positions only.", nameof(events));
            if (e.DedupeKey is not null && !IsStorableText(e.DedupeKey))
                throw new ArgumentException($"Event {i} of the batch ({e.StreamId}) has a dedupe key with NUL or a lone surrogate.", nameof(events));
            if (!JsonContent.IsValid(e.Body))
                throw new ArgumentException($"Event {i} of the batch ({e.StreamId}@{e.Position}) has a body that is not one JSON value.", nameof(events));
        }
    }

    /// <summary>PostgreSQL text holds no NUL, and UTF-8 has no form for a lone surrogate.</summary>
    private static bool IsStorableText(string text) => !text.Contains('\0', StringComparison.Ordinal) && !TextRepair.HasLoneSurrogate(text);

    /// <summary>Creates missing stream rows and locks all of the batch's, in one global order, returning their heads.</summary>
    private static async Task<Dictionary<string, StreamHead>> LockStreamsAsync(
        NpgsqlConnection connection, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        var ids = events.Select(e => e.StreamId).Distinct(StringComparer.Ordinal).ToArray();
        await using var batch = new NpgsqlBatch(connection);
        // ORDER BY in the statement fixes the lock order for every writer (ON CONFLICT DO UPDATE locks each row as it
        // goes, and an insert holds its new row), so two batches over overlapping streams wait for each other instead
        // of deadlocking. WHERE false: an existing row is locked and not updated. Updating it here would write a new
        // version of every stream row of the batch only for MoveStreamHeadsAsync to write another at the end.
        var lockRows = new NpgsqlBatchCommand(
            """
            INSERT INTO archive.streams AS s (stream_id)
            SELECT id FROM unnest($1::text[]) AS id ORDER BY id COLLATE "C"
            ON CONFLICT (stream_id) DO UPDATE SET stream_id = excluded.stream_id WHERE false
            """);
        lockRows.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        batch.BatchCommands.Add(lockRows);
        // Read after the locks are held: READ COMMITTED takes this statement's snapshot then, so it sees each head as
        // the last writer committed it, and no one can move it before this transaction ends.
        var readHeads = new NpgsqlBatchCommand("SELECT stream_id, max_position, event_count, head_hash FROM archive.streams WHERE stream_id = ANY($1)");
        readHeads.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        batch.BatchCommands.Add(readHeads);

        var heads = new Dictionary<string, StreamHead>(ids.Length, StringComparer.Ordinal);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var head = new StreamHead(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<byte[]>(3));
            heads[head.StreamId] = head;
        }
        return heads;
    }

    private static async Task<List<StoredOccupant>> FindOccupantsAsync(
        NpgsqlConnection connection,
        List<(string Stream, long Position)> positions,
        List<(string Stream, string Key)> keys,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT e.stream_id, e.position, e.dedupe_key, e.global_position, e.body::text
            FROM archive.events e JOIN unnest($1::text[], $2::bigint[]) AS k(stream_id, position) USING (stream_id, position)
            UNION
            SELECT e.stream_id, e.position, e.dedupe_key, e.global_position, e.body::text
            FROM archive.events e JOIN unnest($3::text[], $4::text[]) AS k(stream_id, dedupe_key) USING (stream_id, dedupe_key)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = positions.Select(p => p.Stream).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = positions.Select(p => p.Position).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys.Select(k => k.Stream).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys.Select(k => k.Key).ToArray() });
        var occupants = new List<StoredOccupant>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            occupants.Add(new StoredOccupant(
                reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetInt64(3), reader.GetString(4)));
        }
        return occupants;
    }

    private static async Task<List<RecordedEvent>> WriteNewEventsAsync(
        NpgsqlConnection connection,
        IReadOnlyList<NewEvent> events,
        AppendPlan plan,
        Dictionary<string, StreamHead> heads,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // Taken last and held to commit: positions are gapless and commit in order (see archive.log_head).
        await using (var take = new NpgsqlCommand(
            "UPDATE archive.log_head SET last_position = last_position + $1 RETURNING last_position", connection))
        {
            take.Parameters.Add(new NpgsqlParameter<long> { TypedValue = plan.NewEvents.Count });
            var last = (long)(await take.ExecuteScalarAsync(cancellationToken))!;
            var first = last - plan.NewEvents.Count + 1;
            return await CopyAsync(connection, events, plan, heads, first, now, cancellationToken);
        }
    }

    private static async Task<List<RecordedEvent>> CopyAsync(
        NpgsqlConnection connection,
        IReadOnlyList<NewEvent> events,
        AppendPlan plan,
        Dictionary<string, StreamHead> heads,
        long firstGlobalPosition,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var chainHeads = heads.ToDictionary(h => h.Key, h => h.Value.HeadHash, StringComparer.Ordinal);
        var recorded = new List<RecordedEvent>(plan.NewEvents.Count);
        await using (var writer = await connection.BeginBinaryImportAsync(
            """
            COPY archive.events (global_position, stream_id, position, type, body, dedupe_key, server_ts, recorded_at, prev_hash, hash)
            FROM STDIN (FORMAT BINARY)
            """, cancellationToken))
        {
            var globalPosition = firstGlobalPosition;
            foreach (var index in plan.NewEvents)
            {
                var e = events[index];
                var position = plan.Events[index].Position;
                var serverTs = e.ServerTimestamp is { } ts ? EventHash.TruncateToMicroseconds(ts) : (DateTimeOffset?)null;
                var prev = chainHeads[e.StreamId];
                var hash = EventHash.Compute(prev, globalPosition, e.StreamId, position, e.Type, serverTs, now, e.DedupeKey, e.Body);
                chainHeads[e.StreamId] = hash;

                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(globalPosition, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(e.StreamId, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(position, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(e.Type, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(e.Body, NpgsqlDbType.Json, cancellationToken);
                await WriteNullableAsync(writer, e.DedupeKey, NpgsqlDbType.Text, cancellationToken);
                if (serverTs is { } server)
                    await writer.WriteAsync(server, NpgsqlDbType.TimestampTz, cancellationToken);
                else
                    await writer.WriteNullAsync(cancellationToken);
                await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(prev, NpgsqlDbType.Bytea, cancellationToken);
                await writer.WriteAsync(hash, NpgsqlDbType.Bytea, cancellationToken);

                recorded.Add(new RecordedEvent(
                    globalPosition, e.StreamId, position, e.Type, e.Body, serverTs, now, e.DedupeKey, prev, hash));
                globalPosition++;
            }
            try
            {
                await writer.CompleteAsync(cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw KeyTakenBehindOurBack(ex);
            }
        }

        await MoveStreamHeadsAsync(connection, recorded, chainHeads, now, cancellationToken);
        return recorded;
    }

    private static async Task MoveStreamHeadsAsync(
        NpgsqlConnection connection,
        List<RecordedEvent> recorded,
        Dictionary<string, byte[]> chainHeads,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var touched = recorded
            .GroupBy(e => e.StreamId, StringComparer.Ordinal)
            .Select(g => (Stream: g.Key, MaxPosition: g.Max(e => e.Position), Added: (long)g.Count()))
            .ToArray();
        await using var command = new NpgsqlCommand(
            """
            UPDATE archive.streams s
            SET max_position = greatest(s.max_position, u.max_position),
                event_count = s.event_count + u.added,
                head_hash = u.head_hash,
                last_append_at = $5
            FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bytea[]) AS u(stream_id, max_position, added, head_hash)
            WHERE s.stream_id = u.stream_id
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = touched.Select(t => t.Stream).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = touched.Select(t => t.MaxPosition).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = touched.Select(t => t.Added).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = touched.Select(t => chainHeads[t.Stream]).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<AppendOutcome> Outcomes(IReadOnlyList<NewEvent> events, AppendPlan plan, List<RecordedEvent> recorded)
    {
        var globalPositionOfBatchIndex = new Dictionary<int, long>(recorded.Count);
        for (var i = 0; i < recorded.Count; i++)
            globalPositionOfBatchIndex[plan.NewEvents[i]] = recorded[i].GlobalPosition;

        var outcomes = new List<AppendOutcome>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var planned = plan.Events[i];
            var holder = planned.Holder;
            var globalPosition = holder.BatchIndex >= 0 ? globalPositionOfBatchIndex[holder.BatchIndex] : holder.GlobalPosition;
            outcomes.Add(new AppendOutcome(planned.Status, events[i].StreamId, planned.Position, globalPosition));
        }
        return outcomes;
    }

    private async Task RecordConflictsAsync(
        NpgsqlConnection connection,
        IReadOnlyList<NewEvent> events,
        AppendPlan plan,
        List<AppendOutcome> outcomes,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var conflicts = Enumerable.Range(0, events.Count).Where(i => outcomes[i].Status == AppendStatus.Conflict).ToArray();
        if (conflicts.Length == 0)
            return;

        await using var batch = new NpgsqlBatch(connection);
        foreach (var i in conflicts)
        {
            var e = events[i];
            var command = new NpgsqlBatchCommand(
                """
                INSERT INTO archive.conflicts (stream_id, position, type, body, server_ts, received_at, existing_global_position)
                VALUES ($1, $2, $3, $4::json, $5, $6, $7)
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.StreamId });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = plan.Events[i].Position });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Type });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Body });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)e.ServerTimestamp ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = outcomes[i].GlobalPosition });
            batch.BatchCommands.Add(command);
            StoreLog.ConflictRecorded(logger, e.StreamId, plan.Events[i].Position, outcomes[i].GlobalPosition);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task WriteNullableAsync(
        NpgsqlBinaryImporter writer, string? value, NpgsqlDbType type, CancellationToken cancellationToken)
    {
        if (value is null)
            await writer.WriteNullAsync(cancellationToken);
        else
            await writer.WriteAsync(value, type, cancellationToken);
    }

    /// <summary>
    /// Only a writer that skips the stream lock can get here (every writer of this store takes it). Marten users got a
    /// raw 23505 in this case; ours says what happened and that retrying the batch is safe.
    /// </summary>
    private static EventStoreException KeyTakenBehindOurBack(PostgresException e) => new(
        "Another writer stored one of this batch's (stream, position) keys without taking the stream lock. Nothing " +
        "from this batch was written; retrying it is safe and will report the key as a duplicate or a conflict.", e);
}
