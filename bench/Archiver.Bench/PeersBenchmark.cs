using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Archiver.Domain.Events;
using Archiver.Worker.Projections;
using Archiver.Worker.Store;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Archiver.Bench;

/// <summary>
/// <c>bench/run peers</c>: the same events (default 1,000,000, <see cref="LivePersonTraffic"/>) through our store and
/// through Marten's event store, each in its own fresh database of one cluster, and both rebuilt into the same
/// transcript table, plus a raw binary COPY of the events:
/// <list type="bullet">
/// <item>our append: <see cref="PostgresEventStore.AppendAsync"/> in batches of <c>--batch</c> (5,000), as <c>bench/run append</c>;</item>
/// <item>Marten's append: one session per batch, <c>Events.Append(dialogId, …)</c> per dialog, <c>SaveChangesAsync</c>, with
/// the options Marten's documentation gives for speed (<see cref="MartenStore"/>);</item>
/// <item>our rebuild: <see cref="ProjectionRebuilder"/> with <see cref="PeerTranscriptProjection"/> alone;</item>
/// <item>Marten's rebuild: the async daemon's <c>RebuildProjectionAsync</c> of <see cref="MartenTranscriptProjection"/>;</item>
/// <item>raw COPY: the very rows our store writes, one transaction per batch (the <c>append</c> baseline).</item>
/// </list>
/// Both rebuilds write <c>peers_transcript</c> (dialog id, sequence, author, text, time; keyed by dialog and sequence),
/// one row per text message, and are checked to produce the same number of rows.
/// </summary>
public static class PeersBenchmark
{
    private const string TranscriptTable =
        """
        CREATE TABLE IF NOT EXISTS public.peers_transcript (
          dialog_id text NOT NULL, sequence bigint NOT NULL, author text, text text, server_ts timestamptz,
          PRIMARY KEY (dialog_id, sequence))
        """;

    public static async Task<BenchmarkResult> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var count = BenchmarkRunner.IntArgument(args, "--events", 1_000_000);
        var batchSize = BenchmarkRunner.IntArgument(args, "--batch", 5_000);
        var events = LivePersonTraffic.Generate(count);
        var messages = events.LongCount(e => e.Type == "ContentEvent");
        var batches = events.Chunk(batchSize).ToList();
        Console.Error.WriteLine($"peers: {events.Count:N0} events ({messages:N0} text messages) in {batches.Count} batches of {batchSize}");

        await using var copyDatabase = await BenchDatabase.CreateAsync("peerscopy");
        await using var oursDatabase = await BenchDatabase.CreateAsync("peersours");
        await using var martenDatabase = await BenchDatabase.CreateEmptyAsync("peersmarten");

        // Raw COPY of the rows our store writes.
        var rows = RawCopy.Rows(events);
        await copyDatabase.CheckpointAsync();
        var clock = Stopwatch.StartNew();
        foreach (var chunk in rows.Chunk(batchSize))
            await RawCopy.CopyAsync(copyDatabase, chunk, cancellationToken);
        var copyRate = events.Count / clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"peers: raw COPY {clock.Elapsed.TotalSeconds:F2} s, {copyRate:N0} events/s");
        rows = null;

        // Our append.
        await oursDatabase.CheckpointAsync();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var store = new PostgresEventStore(oursDatabase.DataSource, [], TimeProvider.System,
            new StoreMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger<PostgresEventStore>.Instance);
        clock.Restart();
        foreach (var batch in batches)
        {
            var result = await store.AppendAsync(batch, cancellationToken);
            if (result.Appended != batch.Length)
                throw new InvalidOperationException($"Expected {batch.Length} new events, our store appended {result.Appended}.");
        }
        var oursRate = events.Count / clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"peers: our append {clock.Elapsed.TotalSeconds:F2} s, {oursRate:N0} events/s");

        // Marten's append: the same events, the same batches, the same bodies.
        await using (var setup = MartenStore.Create(martenDatabase.ConnectionString, AutoCreate.CreateOrUpdate))
            await setup.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using (var create = martenDatabase.DataSource.CreateCommand(TranscriptTable))
            await create.ExecuteNonQueryAsync(cancellationToken);
        await martenDatabase.CheckpointAsync();
        await using var marten = MartenStore.Create(martenDatabase.ConnectionString, AutoCreate.None);
        clock.Restart();
        foreach (var batch in batches)
        {
            await using var session = marten.LightweightSession();
            foreach (var dialog in batch.GroupBy(e => e.StreamId, StringComparer.Ordinal))
                session.Events.Append(dialog.Key, dialog.Select(MartenStore.ToEvent).ToArray());
            await session.SaveChangesAsync(cancellationToken);
        }
        var martenRate = events.Count / clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"peers: Marten append {clock.Elapsed.TotalSeconds:F2} s, {martenRate:N0} events/s");
        await CountAsync(martenDatabase, "SELECT count(*) FROM public.mt_events", events.Count, cancellationToken);
        await CountAsync(oursDatabase, "SELECT count(*) FROM archive.events", events.Count, cancellationToken);
        batches = null;
        events = null;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);

        // Our rebuild of the transcript table.
        await using (var create = oursDatabase.DataSource.CreateCommand(TranscriptTable))
            await create.ExecuteNonQueryAsync(cancellationToken);
        await oursDatabase.CheckpointAsync();
        clock.Restart();
        var rebuilt = await new ProjectionRebuilder(oursDatabase.DataSource, [new PeerTranscriptProjection()], TimeProvider.System)
            .RebuildAsync(null, cancellationToken);
        var oursRebuildRate = rebuilt / clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"peers: our transcript rebuild {clock.Elapsed.TotalSeconds:F2} s, {oursRebuildRate:N0} events/s");
        await CountAsync(oursDatabase, "SELECT count(*) FROM public.peers_transcript", messages, cancellationToken);

        // Marten's rebuild of the same table, by its async daemon.
        await martenDatabase.CheckpointAsync();
        clock.Restart();
        using (var daemon = await marten.BuildProjectionDaemonAsync())
            await daemon.RebuildProjectionAsync(MartenTranscriptProjection.ProjectionName, TimeSpan.FromMinutes(30), cancellationToken);
        var martenRebuildRate = count / clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"peers: Marten transcript rebuild {clock.Elapsed.TotalSeconds:F2} s, {martenRebuildRate:N0} events/s");
        await CountAsync(martenDatabase, "SELECT count(*) FROM public.peers_transcript", messages, cancellationToken);

        return BenchmarkResult.Of("peers", count, oursRate, martenRate) with
        {
            RebuildRate = Math.Round(oursRebuildRate),
            MartenRebuildRate = Math.Round(martenRebuildRate),
            RebuildRatio = Math.Round(oursRebuildRate / martenRebuildRate, 3),
            CopyRate = Math.Round(copyRate),
        };
    }

    private static async Task CountAsync(BenchDatabase database, string sql, long expected, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        var actual = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (actual != expected)
            throw new InvalidOperationException($"{database.Name}: {sql} gave {actual}, expected {expected}.");
    }

    /// <summary>One transcript row: what both rebuilds take out of a text message's change.</summary>
    internal sealed record TranscriptRow(string DialogId, long Sequence, string? Author, string? Text, DateTimeOffset? ServerTimestamp);

    /// <summary>
    /// The row of a ContentEvent change (the JSON both stores hold), or null for anything else. Sequence and time come from
    /// the change itself, so both rebuilds write identical rows whatever each store numbers and stamps.
    /// </summary>
    internal static TranscriptRow? Row(string dialogId, string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (!root.TryGetProperty("event", out var e) || !e.TryGetProperty("type", out var type) || type.GetString() != "ContentEvent")
            return null;
        var author = root.TryGetProperty("originatorId", out var originator) ? originator.GetString() : null;
        var text = e.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String ? message.GetString() : null;
        return new TranscriptRow(dialogId, root.GetProperty("sequence").GetInt64(), author, text,
            root.TryGetProperty("serverTimestamp", out var ts) ? DateTimeOffset.FromUnixTimeMilliseconds(ts.GetInt64()) : null);
    }

    /// <summary>Ours: the transcript table from the log, parsed a page ahead (as the real projections are), written by binary COPY.</summary>
    private sealed class PeerTranscriptProjection : IInlineProjection
    {
        public string Name => "peers transcript";

        public IReadOnlyList<string> Tables => ["public.peers_transcript"];

        public Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, ProjectionIssues issues, CancellationToken cancellationToken) =>
            ApplyRebuildingAsync(connection, events, PrepareRebuilding(events, issues), issues, cancellationToken);

        public object? PrepareRebuilding(IReadOnlyList<RecordedEvent> events, ProjectionIssues issues) =>
            events.Where(e => e.Type == "ContentEvent").Select(e => Row(e.StreamId, e.Body)).OfType<TranscriptRow>().ToList();

        public async Task ApplyRebuildingAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, object? prepared, ProjectionIssues issues,
            CancellationToken cancellationToken)
        {
            var rows = (List<TranscriptRow>)prepared!;
            await using var writer = await connection.BeginBinaryImportAsync(
                "COPY public.peers_transcript (dialog_id, sequence, author, text, server_ts) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var row in rows)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(row.DialogId, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(row.Sequence, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(row.Author, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(row.Text, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(row.ServerTimestamp, NpgsqlDbType.TimestampTz, cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
    }
}

/// <summary>
/// Marten configured as its documentation recommends for event store speed (martendb.io, "Optimizing for Performance and
/// Scalability"; docs/benchmarks.md "peers" says which options and why): Quick appends, string stream identities (one
/// stream per dialog), no Npgsql logging, no schema checks at run time (the schema is applied once, untimed, before),
/// System.Text.Json, optimized projection rebuilds, and the transcript projection's batches as large as ours.
/// </summary>
internal static class MartenStore
{
    public static DocumentStore Create(string connectionString, AutoCreate autoCreate) => DocumentStore.For(opts =>
    {
        opts.Connection(connectionString);
        opts.AutoCreateSchemaObjects = autoCreate;
        opts.DisableNpgsqlLogging = true;
        opts.UseSystemTextJsonForSerialization();
        opts.Events.StreamIdentity = StreamIdentity.AsString;
        opts.Events.AppendMode = EventAppendMode.Quick;
        opts.Events.UseOptimizedProjectionRebuilds = true;
        opts.Events.AddEventType<ContentEvent>();
        opts.Events.AddEventType<AcceptStatusEvent>();
        opts.Projections.Add(new MartenTranscriptProjection(), ProjectionLifecycle.Async);
    });

    /// <summary>The event as Marten stores it: the same change JSON as our body, as its data (see <see cref="RawChangeConverter{T}"/>).</summary>
    public static object ToEvent(NewEvent e) => e.Type == "ContentEvent" ? new ContentEvent(e.Body) : new AcceptStatusEvent(e.Body);
}

/// <summary>A text message: its data is the LivePerson change, verbatim.</summary>
[JsonConverter(typeof(RawChangeConverter<ContentEvent>))]
internal sealed record ContentEvent(string Json) : IRawChange;

/// <summary>A read receipt: its data is the LivePerson change, verbatim.</summary>
[JsonConverter(typeof(RawChangeConverter<AcceptStatusEvent>))]
internal sealed record AcceptStatusEvent(string Json) : IRawChange;

internal interface IRawChange
{
    string Json { get; }
}

/// <summary>Serialises an event as its change JSON itself (no wrapper object), so Marten's <c>data</c> is our <c>body</c>.</summary>
internal sealed class RawChangeConverter<T> : JsonConverter<T> where T : IRawChange
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return (T)Activator.CreateInstance(typeof(T), document.RootElement.GetRawText())!;
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteRawValue(value.Json, skipInputValidation: true);
}

/// <summary>Marten's side of the transcript: an event projection writing one row per text message into the same table.</summary>
internal sealed partial class MartenTranscriptProjection : EventProjection
{
    public const string ProjectionName = "PeersTranscript";

    public MartenTranscriptProjection()
    {
        Name = ProjectionName;
        // Marten's documentation: a larger batch than the default greatly improves rebuilds of many small events.
        Options.BatchSize = 5_000;
    }

#pragma warning disable CA1822 // Marten's conventional projection methods are instance methods
    public void Project(IEvent<ContentEvent> e, IDocumentOperations operations)
    {
        if (PeersBenchmark.Row(e.StreamKey!, e.Data.Json) is { } row)
        {
            operations.QueueSqlCommand(
                "INSERT INTO public.peers_transcript (dialog_id, sequence, author, text, server_ts) VALUES (?, ?, ?, ?, ?)",
                row.DialogId, row.Sequence, (object?)row.Author ?? DBNull.Value, (object?)row.Text ?? DBNull.Value, (object?)row.ServerTimestamp ?? DBNull.Value);
        }
    }
#pragma warning restore CA1822
}
