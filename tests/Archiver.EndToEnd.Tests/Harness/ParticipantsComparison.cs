using System.Text.RegularExpressions;
using Archiver.Testing;
using Npgsql;

namespace Archiver.EndToEnd.Tests.Harness;

/// <summary>
/// <c>readmodel.participants</c> and the transfers analysts count from it (docs/analytics.md), against what the
/// simulator's state versions imply: one row per participant joining or leaving, and one transfer per assigned agent
/// handing over to another.
/// </summary>
public static partial class ParticipantsComparison
{
    /// <summary>
    /// The rows of <c>readmodel.participants</c> (conversation, participant, role, change, at) against the
    /// ParticipantJoined / ParticipantLeft facts the ground truth's versions imply — as multisets, so a row held twice
    /// is a difference.
    /// </summary>
    public static async Task<IReadOnlyList<string>> DifferencesAsync(NpgsqlDataSource archive, GroundTruth truth)
    {
        var expected = new List<string>();
        foreach (var conversation in truth.Conversations)
        {
            var facts = ExpectedFacts.Of(conversation.States.Select(TrueState.Read).ToList()).SelectMany(f => f);
            expected.AddRange(facts.Where(f => f.Type is "ParticipantJoined" or "ParticipantLeft").Select(f =>
                Row(conversation.ConversationId, f["participantId"], f["role"], f.Type == "ParticipantJoined" ? "JOINED" : "LEFT", f["at"])));
        }

        var actual = new List<string>();
        await using (var command = archive.CreateCommand(
                         "SELECT conversation_id, participant_id, role, change, (extract(epoch FROM at) * 1000)::bigint FROM readmodel.participants"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                actual.Add(Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    reader.IsDBNull(4) ? "null" : Fact.Text(reader.GetInt64(4))));
            }
        }
        return MultisetDifferences("readmodel.participants row", expected, actual);
    }

    /// <summary>The transfers the simulator performed (<see cref="ExpectedFacts.Transfers"/>), as the documented query prints them.</summary>
    public static IReadOnlyList<string> ExpectedTransfers(GroundTruth truth) =>
        truth.Conversations.SelectMany(ExpectedFacts.Transfers)
            .Select(t => Transfer(t.ConversationId, t.FromAgent, t.ToAgent, t.At is { } at ? Fact.Text(at) : "null")).ToList();

    /// <summary>The rows of docs/analytics.md's transfer query ("Transfers (an assigned agent leaving as another joins)"), run as documented.</summary>
    public static async Task<IReadOnlyList<string>> DocumentedTransfersAsync(NpgsqlDataSource archive)
    {
        var rows = new List<string>();
        await using var command = archive.CreateCommand(DocumentedTransferQuery());
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(Transfer(reader.GetString(reader.GetOrdinal("conversation_id")), reader.GetString(reader.GetOrdinal("from_agent_id")),
                reader.GetString(reader.GetOrdinal("to_agent_id")),
                reader.IsDBNull(reader.GetOrdinal("at")) ? "null" : Fact.Text(reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("at")).ToUnixTimeMilliseconds())));
        }
        return rows;
    }

    /// <summary>Everything in one multiset and not the other, with how many times.</summary>
    public static IReadOnlyList<string> MultisetDifferences(string what, IEnumerable<string> expected, IEnumerable<string> actual)
    {
        var want = expected.GroupBy(x => x, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var have = actual.GroupBy(x => x, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var differences = new List<string>();
        foreach (var key in want.Keys.Union(have.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var w = want.GetValueOrDefault(key);
            var h = have.GetValueOrDefault(key);
            if (w != h)
                differences.Add(h == 0 ? $"missing {what} {key}" : w == 0 ? $"extra {what} {key}{(h > 1 ? $" ({h}×)" : "")}" : $"{what} {key} {h}× (expected {w}×)");
        }
        return differences;
    }

    /// <summary>The first SQL block of docs/analytics.md that selects <c>from_agent_id</c> and <c>to_agent_id</c>: its first statement.</summary>
    internal static string DocumentedTransferQuery()
    {
        var analytics = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "analytics.md"));
        var block = SqlBlock().Matches(analytics).Select(m => m.Groups[1].Value)
                        .FirstOrDefault(sql => sql.Contains("from_agent_id, to_agent_id", StringComparison.Ordinal))
                    ?? throw new InvalidOperationException("docs/analytics.md no longer documents a transfer query (a SQL block selecting from_agent_id, to_agent_id)");
        return block[..(block.IndexOf(';', StringComparison.Ordinal) + 1)];
    }

    private static string Row(string conversation, string participant, string role, string change, string at) =>
        $"conversation {conversation} {change} {role} {participant} at {at}";

    private static string Transfer(string conversation, string from, string to, string at) => $"conversation {conversation} {from} → {to} at {at}";

    [GeneratedRegex(@"```sql\r?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();
}
