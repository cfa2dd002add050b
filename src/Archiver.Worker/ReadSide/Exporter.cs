using System.Data;
using System.Text.Json;
using Archiver.Worker.Store.Checkpoints;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.ReadSide;

/// <summary>
/// What to export (docs/analytics.md, "archiver export"): the conversations that started in [<see cref="From"/>,
/// <see cref="To"/>) — the CLI's window — or a chosen list of them (<see cref="Conversations"/>: the console's selection).
/// </summary>
/// <param name="Source">Whose text: the login's own (<see cref="TextSource.ForAsync"/>) when null.</param>
public sealed record ExportRequest(
    string Format, string Directory, DateTime? From = null, DateTime? To = null, IReadOnlyList<string>? Conversations = null, int PageSize = 500,
    TextSource? Source = null);

public sealed record ExportOutcome(long Conversations, long Messages, bool Signed, IReadOnlyList<string> Files);

/// <summary>
/// The one export behind <c>archiver export</c> and the console's download: one snapshot for every page — with the
/// checkpoint key, the snapshot of a checkpoint taken now, named in the manifest with each conversation's stream heads,
/// and the manifest signed (docs/analytics.md, "Exports that prove themselves"); the files, then manifest.json last.
/// </summary>
public sealed class Exporter(NpgsqlDataSource dataSource, Checkpointer checkpointer, IOptions<IntegrityOptions> integrity, TimeProvider time)
{
    public static IReadOnlyList<string> Formats { get; } = ["jsonl", "csv", "html"];

    private static readonly JsonSerializerOptions ManifestJson = new(ConversationDocument.Json) { WriteIndented = true };

    /// <param name="started">Told how many conversations the export holds, once it knows.</param>
    /// <param name="progress">Told how many are written, page by page.</param>
    public async Task<ExportOutcome> ExportAsync(ExportRequest request, Action<long>? started, Action<long>? progress, CancellationToken cancellationToken)
    {
        if (!Formats.Contains(request.Format))
            throw new ArgumentException($"'{request.Format}' is not an export format ({string.Join(", ", Formats)})");
        if (request.Conversations is null && (request.From is not { } f || request.To is not { } t || f >= t))
            throw new ArgumentException("--from must be before --to");
        if (Directory.Exists(request.Directory) && Directory.EnumerateFileSystemEntries(request.Directory).Any())
            throw new IOException($"{request.Directory} is not empty: an export goes into a new or empty directory");
        var createdAt = time.GetUtcNow().UtcDateTime;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (transaction, checkpoint) = await SnapshotAsync(connection, cancellationToken);
        await using var _ = transaction;
        var reader = new ConversationReader(connection, request.Source ?? await TextSource.ForAsync(connection, cancellationToken));
        var total = request.Conversations is { } chosen ? chosen.Count : await reader.CountAsync(request.From!.Value, request.To!.Value, cancellationToken);
        started?.Invoke(total);

        Directory.CreateDirectory(request.Directory);
        var streams = new List<ManifestConversation>();
        long conversations = 0, messages = 0;
        IReadOnlyList<string> files;
        await using (var writer = Writer(request, createdAt))
        {
            var pages = request.Conversations is { } ids
                ? reader.SelectedPagesAsync(ids, request.PageSize, cancellationToken)
                : reader.PagesAsync(request.From!.Value, request.To!.Value, request.PageSize, cancellationToken);
            await foreach (var page in pages)
            {
                foreach (var conversation in page)
                {
                    await writer.WriteAsync(conversation, cancellationToken);
                    conversations++;
                    messages += conversation.Messages.Count;
                }
                if (checkpoint is not null)
                    streams.AddRange(await ConversationStreams.ReadAsync(connection, page.Select(c => c.ConversationId).ToList(), cancellationToken));
                progress?.Invoke(conversations);
            }
            await writer.CompleteAsync(cancellationToken);
            files = writer.Files;
        }
        await transaction.CommitAsync(cancellationToken);

        var described = new List<ManifestFile>();
        foreach (var file in files)
            described.Add(await ExportFiles.DescribeAsync(request.Directory, file, cancellationToken));
        var manifest = new ExportManifest(request.Format, request.Conversations is null ? request.From : null, request.Conversations is null ? request.To : null,
            createdAt, conversations, messages, described) { Selection = request.Conversations };
        if (checkpoint is not null)
        {
            manifest = manifest with
            {
                KeyId = checkpoint.KeyId,
                Checkpoint = new CheckpointFile(checkpoint.Number, checkpoint.KeyId, checkpoint.Payload, Convert.ToBase64String(checkpoint.Signature)),
                ConversationStreams = streams,
            };
        }
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJson);
        await using (var stream = ExportFiles.Create(request.Directory, ExportManifest.FileName))
            await stream.WriteAsync(manifestBytes, cancellationToken);
        if (checkpoint is not null)
        {
            using var key = CheckpointKey.LoadPrivate(integrity.Value.SigningKeyFile!, "Integrity__SigningKeyFile");
            await using var signature = ExportFiles.Create(request.Directory, ExportManifest.SignatureFileName);
            await signature.WriteAsync(CheckpointKey.Sign(key, manifestBytes), cancellationToken);
        }
        return new ExportOutcome(conversations, messages, checkpoint is not null, [.. files]);
    }

    /// <summary>
    /// One read-only repeatable-read snapshot for the count and every page: the worker may go on appending meanwhile. With
    /// the checkpoint key, it is the snapshot of a checkpoint taken now, so the export states exactly what it covers.
    /// </summary>
    private async Task<(NpgsqlTransaction Transaction, SignedCheckpoint? Checkpoint)> SnapshotAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (!checkpointer.Enabled)
        {
            var plain = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await using var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, plain);
            await readOnly.ExecuteNonQueryAsync(cancellationToken);
            return (plain, null);
        }
        await using (var may = new NpgsqlCommand(
            """
            SELECT has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'INSERT')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'archive' AND c.relname = 'checkpoints'
            """, connection))
        {
            if (await may.ExecuteScalarAsync(cancellationToken) is not true)
            {
                throw new InvalidOperationException(
                    "this login cannot take a checkpoint, which a signed export names (a member of compliance can); " +
                    "without Integrity__SigningKeyFile the export is made unsigned");
            }
        }
        NpgsqlTransaction? transaction = null;
        var checkpoint = await checkpointer.TakeAsync(cancellationToken, async snapshot =>
        {
            transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await using var import = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshot}'; SET TRANSACTION READ ONLY", connection, transaction);
            await import.ExecuteNonQueryAsync(cancellationToken);
        });
        return (transaction!, checkpoint);
    }

    private static IExportWriter Writer(ExportRequest request, DateTime createdAt) => request.Format switch
    {
        "jsonl" => new JsonlExportWriter(request.Directory),
        "csv" => new CsvExportWriter(request.Directory),
        _ => new HtmlExportWriter(request.Directory, request.Conversations is null ? request.From : null, request.Conversations is null ? request.To : null, createdAt),
    };
}
