using Archiver.Domain.Archive;
using Archiver.Domain.Hashing;
using Archiver.Domain.Lifecycle;
using Archiver.Worker.Store;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>
/// Erases one conversation's personal content (docs/compliance.md), in one transaction: refused while a legal hold's
/// scope matches it or a <c>MustKeep</c> retention rule still keeps it; otherwise each event's message content and
/// configured participant details become "[erased]" (<see cref="EventRedaction"/>) — its position and chain hash stay,
/// so its stream still verifies, and the certificate states the hash of each redacted body — and so do the same values
/// in its conflicts and in the read models, search vectors included.
/// </summary>
public sealed class Eraser(
    NpgsqlDataSource dataSource, IOptions<RetentionOptions> retention, IOptions<ErasureOptions> erasure, AdminLog admin, TimeProvider time)
{
    public async Task<LifecycleOutcome> EraseAsync(string conversationId, string request, CancellationToken cancellationToken)
    {
        var outcome = await TryEraseAsync(conversationId, request, cancellationToken);
        if (!outcome.Done)
        {
            // A refused request is part of the record too (GDPR Art. 17(3)): which conversation, under which request, why.
            await admin.RecordAsync(ArchiveEventTypes.ErasureRefused, $"{request}:{conversationId}",
                new System.Text.Json.Nodes.JsonObject { ["conversationId"] = conversationId, ["request"] = request, ["reason"] = outcome.Refusal },
                cancellationToken);
        }
        return outcome;
    }

    private async Task<LifecycleOutcome> TryEraseAsync(string conversationId, string request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var holds = await LegalHolds.HoldingAsync(connection, conversationId, cancellationToken);
        if (holds.Count > 0)
            return LifecycleOutcome.Refused(conversationId, LegalHolds.Describe(holds));
        if (await MustKeepAsync(connection, conversationId, cancellationToken) is { } kept)
            return LifecycleOutcome.Refused(conversationId, kept);

        var fields = erasure.Value.ParticipantFields.ToHashSet(StringComparer.Ordinal);
        var evidence = await ConversationEvidence.ReadAsync(connection, conversationId, cancellationToken);
        if (evidence.Streams.Count == 0)
            return LifecycleOutcome.Refused(conversationId, "the archive holds nothing of it");
        var events = new List<(CertifiedEvent Certified, string Body)>();
        foreach (var e in evidence.Events)
        {
            var redacted = EventRedaction.Redact(e.Body, StreamKeys.KindOf(e.StreamId) == StreamKind.Dialog, fields);
            if (ReferenceEquals(redacted, e.Body))
                continue;
            var redactedHash = EventHash.Compute(e.PrevHash.Span, e.GlobalPosition, e.StreamId, e.Position, e.Type, e.ServerTimestamp, e.RecordedAt,
                e.DedupeKey, redacted);
            events.Add((new CertifiedEvent(e.GlobalPosition, e.StreamId, e.Position, e.Hash.ToArray(), redactedHash), redacted));
        }
        // A conflict is a different version of one of these events: its body is redacted the same way.
        var conflicts = new List<(ArchiveRow Row, string Body)>();
        foreach (var row in evidence.Rows.Where(r => r.Table == "conflicts"))
        {
            var body = (string)row.Fields[4]!;
            var redacted = EventRedaction.Redact(body, StreamKeys.KindOf((string)row.Fields[1]!) == StreamKind.Dialog, fields);
            if (!ReferenceEquals(redacted, body))
                conflicts.Add((row, redacted));
        }

        var readModels = await ReadModelRows.EraseAsync(connection, conversationId, evidence.Dialogs, cancellationToken);
        var by = await LifecycleSql.CurrentUserAsync(connection, cancellationToken);
        var basis = new Dictionary<string, string>(StringComparer.Ordinal) { ["request"] = request };
        var statement = await CertificateIssuer.IssueAsync(connection, (number, previous) => new CertificateStatement(
            number, CertificateStatement.Erasure, conversationId, basis, by, time.GetUtcNow(), evidence.Streams,
            events.Select(e => e.Certified).ToList(), conflicts.Select(c => new CertifiedRow("conflicts", c.Row.Id, c.Row.Hash)).ToList(),
            readModels, previous), "redacted", cancellationToken);

        if (events.Count > 0)
        {
            await using var update = new NpgsqlCommand(
                "UPDATE archive.events e SET body = r.body::json FROM unnest($1::bigint[], $2::text[]) AS r(g, body) WHERE e.global_position = r.g",
                connection);
            update.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = events.Select(e => e.Certified.GlobalPosition).ToArray() });
            update.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = events.Select(e => e.Body).ToArray() });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        if (conflicts.Count > 0)
        {
            await using var update = new NpgsqlCommand(
                "UPDATE archive.conflicts c SET body = r.body::json FROM unnest($1::bigint[], $2::text[]) AS r(i, body) WHERE c.conflict_id = r.i",
                connection);
            update.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = conflicts.Select(c => c.Row.Id).ToArray() });
            update.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = conflicts.Select(c => c.Body).ToArray() });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new LifecycleOutcome(conversationId, statement.Number, null, events.Count);
    }

    /// <summary>Why a <c>MustKeep</c> rule refuses the erasure now, or null.</summary>
    private async Task<string?> MustKeepAsync(NpgsqlConnection connection, string conversationId, CancellationToken cancellationToken)
    {
        var rules = retention.Value.Rules.Where(r => r.MustKeep).ToList();
        if (rules.Count == 0)
            return null;
        await using var command = new NpgsqlCommand($"SELECT {ConversationRecord.Columns} FROM readmodel.conversations c WHERE c.conversation_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = conversationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var conversation = ConversationRecord.Read(reader);
        var now = time.GetUtcNow();
        foreach (var rule in rules.Where(r => r.Matches(conversation)))
        {
            if (rule.KeptUntil(conversation) is not { } until)
                return $"retention rule '{rule.Name}' (MustKeep) keeps it while it is open and for {rule.Days} days after it ends";
            if (until > now)
                return $"retention rule '{rule.Name}' (MustKeep) keeps it until {until:yyyy-MM-dd}";
        }
        return null;
    }
}
