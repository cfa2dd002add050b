using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Archiver.Worker.Lifecycle;

/// <summary>A closed conversation whose retention is over, under the rule that decided it; held when a legal hold's scope matches it.</summary>
public sealed record RetentionDue(ConversationRecord Conversation, RetentionRule Rule, DateTimeOffset DueSince, bool Held);

/// <summary>
/// Retention (docs/compliance.md): for every closed conversation the longest rule that matches it decides how long it is
/// kept after its end; a conversation no rule matches is kept for ever. <see cref="PlanAsync"/> says what is due (a dry
/// run); <see cref="RunAsync"/> disposes of what is due and not held, one conversation and one certificate at a time.
/// </summary>
public sealed class Retention(NpgsqlDataSource dataSource, IOptions<RetentionOptions> options, Disposer disposer, TimeProvider time)
{
    public async Task<IReadOnlyList<RetentionDue>> PlanAsync(CancellationToken cancellationToken)
    {
        var rules = options.Value.Rules;
        var due = new List<RetentionDue>();
        if (rules.Count == 0)
            return due;
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT {ConversationRecord.Columns},
                   EXISTS (SELECT 1 FROM archive.held_conversations h WHERE h.conversation_id = c.conversation_id)
            FROM readmodel.conversations c
            WHERE c.stage = 'CLOSE' AND c.end_ts IS NOT NULL
            ORDER BY c.end_ts, c.conversation_id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var conversation = ConversationRecord.Read(reader);
            // The longest matching rule wins (the first of equals, in configuration order).
            var rule = rules.Where(r => r.Matches(conversation)).OrderByDescending(r => r.Days).FirstOrDefault();
            if (rule?.KeptUntil(conversation) is { } until && until <= now)
                due.Add(new RetentionDue(conversation, rule, until, reader.GetBoolean(8)));
        }
        return due;
    }

    /// <summary>Disposes of every due, unheld conversation; <paramref name="report"/> hears each outcome as it happens.</summary>
    public async Task<IReadOnlyList<LifecycleOutcome>> RunAsync(Action<LifecycleOutcome>? report, CancellationToken cancellationToken)
    {
        var outcomes = new List<LifecycleOutcome>();
        foreach (var item in await PlanAsync(cancellationToken))
        {
            var outcome = item.Held
                ? LifecycleOutcome.Refused(item.Conversation.ConversationId, "under legal hold")
                : await disposer.DisposeAsync(item.Conversation.ConversationId, Basis(item), cancellationToken);
            outcomes.Add(outcome);
            report?.Invoke(outcome);
        }
        return outcomes;
    }

    private static Dictionary<string, string> Basis(RetentionDue item) => new(StringComparer.Ordinal)
    {
        ["rule"] = item.Rule.Name,
        ["days"] = item.Rule.Days.ToString(CultureInfo.InvariantCulture),
        ["endedAt"] = item.Conversation.EndTs!.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["dueSince"] = item.DueSince.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
    };
}
