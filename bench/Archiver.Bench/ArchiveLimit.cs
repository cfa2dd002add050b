using System.Diagnostics;
using Npgsql;

namespace Archiver.Bench;

/// <summary>
/// The e2e benchmark's limit: what the fastest possible writer of the same data would take. Everything the archive
/// wrote for the traffic — every event, every transcript row with its search vector, every read receipt — read back
/// (untimed) as PostgreSQL's own binary COPY data, then timed: raw binary COPY of it into a fresh database, the three
/// tables on three connections in parallel, one transaction per batch of the worker's size. The transcript goes into a
/// table shaped like <c>readmodel.transcript_messages</c> (same columns and indexes, the GIN index on the vector) whose
/// <c>search</c> is a generated column of <c>readmodel.search_vector(text)</c>, so PostgreSQL computes every vector as the
/// real table's writer does (migrations/0007_search_vector.sql).
/// </summary>
public static class ArchiveLimit
{
    private sealed record Table(string Source, string Target, string Columns, string Order, List<byte[]> Chunks);

    /// <summary>
    /// Seconds to write it all, and the messaging events it holds (every phase's: the rate is theirs over the seconds);
    /// the fresh database is dropped afterwards.
    /// </summary>
    public static async Task<(double Seconds, long MessagingEvents)> MeasureAsync(BenchDatabase archive, int batchSize, CancellationToken cancellationToken)
    {
        await using var limit = await BenchDatabase.CreateAsync("limit");
        await using (var shape = limit.DataSource.CreateCommand(
            """
            CREATE TABLE readmodel.transcript_limit (LIKE readmodel.transcript_messages INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING INDEXES);
            ALTER TABLE readmodel.transcript_limit DROP COLUMN search;
            ALTER TABLE readmodel.transcript_limit ADD COLUMN search tsvector GENERATED ALWAYS AS (readmodel.search_vector(text)) STORED;
            CREATE INDEX ON readmodel.transcript_limit USING gin (search);
            """))
        {
            await shape.ExecuteNonQueryAsync(cancellationToken);
        }

        var tables = new List<Table>();
        foreach (var (source, target, order, skip) in new[]
                 {
                     ("archive.events", "archive.events", "global_position", Array.Empty<string>()),
                     ("readmodel.transcript_messages", "readmodel.transcript_limit", "global_position", ["search"]),
                     ("readmodel.read_receipts", "readmodel.read_receipts", "dialog_id, sequence, participant_id", []),
                 })
        {
            var columns = await WritableColumnsAsync(archive, source, skip, cancellationToken);
            tables.Add(new Table(source, target, columns, order, await ReadChunksAsync(archive, source, columns, order, batchSize, cancellationToken)));
        }
        foreach (var table in tables)
            Console.Error.WriteLine($"limit: {table.Source}: {table.Chunks.Count} batches, {table.Chunks.Sum(c => (long)c.Length) / 1024 / 1024} MiB of COPY data");

        await limit.CheckpointAsync();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(tables.Select(table => Task.Run(async () =>
        {
            await using var connection = await limit.DataSource.OpenConnectionAsync(cancellationToken);
            foreach (var chunk in table.Chunks)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var copy = await connection.BeginRawBinaryCopyAsync($"COPY {table.Target} ({table.Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
                    await copy.WriteAsync(chunk, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
        }, cancellationToken)));
        var seconds = clock.Elapsed.TotalSeconds;

        await CheckCountsAsync(archive, limit, tables, cancellationToken);
        await using var count = archive.DataSource.CreateCommand("SELECT count(*) FROM archive.events WHERE stream_id NOT LIKE '%:%'");
        return (seconds, (long)(await count.ExecuteScalarAsync(cancellationToken))!);
    }

    /// <summary>The columns a writer gives (not generated, and not those named in <paramref name="skip"/>), in table order.</summary>
    private static async Task<string> WritableColumnsAsync(BenchDatabase database, string table, string[] skip, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute " +
            "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' AND NOT (attname = ANY($2))");
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        command.Parameters.Add(new NpgsqlParameter { Value = skip });
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The table's rows as binary COPY data, one piece per batch of <paramref name="batchSize"/> rows in <paramref name="order"/>.</summary>
    private static async Task<List<byte[]>> ReadChunksAsync(BenchDatabase database, string table, string columns, string order, int batchSize,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var chunks = new List<byte[]>();
        for (var offset = 0L; ; offset += batchSize)
        {
            using var buffer = new MemoryStream();
            await using (var copy = await connection.BeginRawBinaryCopyAsync(
                $"COPY (SELECT {columns} FROM {table} ORDER BY {order} LIMIT {batchSize} OFFSET {offset}) TO STDOUT (FORMAT BINARY)", cancellationToken))
            {
                await copy.CopyToAsync(buffer, cancellationToken);
            }
            // Binary COPY data: a 19-byte header, then rows, then a 2-byte trailer; nothing else means no rows.
            if (buffer.Length <= 21)
                return chunks;
            chunks.Add(buffer.ToArray());
        }
    }

    private static async Task CheckCountsAsync(BenchDatabase archive, BenchDatabase limit, List<Table> tables, CancellationToken cancellationToken)
    {
        foreach (var table in tables)
        {
            await using var source = archive.DataSource.CreateCommand($"SELECT count(*) FROM {table.Source}");
            await using var target = limit.DataSource.CreateCommand($"SELECT count(*) FROM {table.Target}");
            var (expected, actual) = ((long)(await source.ExecuteScalarAsync(cancellationToken))!, (long)(await target.ExecuteScalarAsync(cancellationToken))!);
            if (expected != actual)
                throw new InvalidOperationException($"The limit wrote {actual} rows into {table.Target}, the archive holds {expected} in {table.Source}.");
        }
    }
}
