using Archiver.Domain.Lifecycle;
using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>
/// Disposes of one closed conversation (retention), in one transaction: refused while a legal hold's scope matches it;
/// otherwise its read-model rows go, a disposal certificate is issued naming every stream, event and row it removes,
/// and — the append-only triggers allowing exactly what the certificate names — its events, streams, conflicts and
/// rejections go too. docs/compliance.md.
/// </summary>
public sealed class Disposer(NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <param name="basis">Why: the rule's name, its days, the conversation's end (stated in the certificate).</param>
    public async Task<LifecycleOutcome> DisposeAsync(string conversationId, IReadOnlyDictionary<string, string> basis, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var holds = await LegalHolds.HoldingAsync(connection, conversationId, cancellationToken);
        if (holds.Count > 0)
            return LifecycleOutcome.Refused(conversationId, LegalHolds.Describe(holds));

        var evidence = await ConversationEvidence.ReadAsync(connection, conversationId, cancellationToken);
        if (evidence.Streams.Count == 0)
            return LifecycleOutcome.Refused(conversationId, "the archive holds nothing of it");
        var readModels = await ReadModelRows.DeleteAsync(connection, conversationId, evidence.Dialogs, cancellationToken);
        var by = await LifecycleSql.CurrentUserAsync(connection, cancellationToken);
        var statement = await CertificateIssuer.IssueAsync(connection, (number, previous) => new CertificateStatement(
            number, CertificateStatement.Disposal, conversationId, basis, by, time.GetUtcNow(), evidence.Streams,
            evidence.Events.Select(e => new CertifiedEvent(e.GlobalPosition, e.StreamId, e.Position, e.Hash.ToArray())).ToList(),
            evidence.Rows.Select(r => new CertifiedRow(r.Table, r.Id, r.Hash)).ToList(), readModels, previous), "disposed", cancellationToken);

        await LifecycleSql.ExecuteAsync(connection, "DELETE FROM archive.events WHERE global_position = ANY($1)",
            evidence.Events.Select(e => e.GlobalPosition).ToArray(), cancellationToken);
        await LifecycleSql.ExecuteAsync(connection, "DELETE FROM archive.conflicts WHERE conflict_id = ANY($1)",
            evidence.Rows.Where(r => r.Table == "conflicts").Select(r => r.Id).ToArray(), cancellationToken);
        await LifecycleSql.ExecuteAsync(connection, "DELETE FROM archive.rejections WHERE rejection_id = ANY($1)",
            evidence.Rows.Where(r => r.Table == "rejections").Select(r => r.Id).ToArray(), cancellationToken);
        await LifecycleSql.ExecuteAsync(connection, "DELETE FROM archive.streams WHERE stream_id = ANY($1)",
            evidence.Streams.Select(s => s.StreamId).ToArray(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new LifecycleOutcome(conversationId, statement.Number, null, evidence.Events.Count);
    }
}
