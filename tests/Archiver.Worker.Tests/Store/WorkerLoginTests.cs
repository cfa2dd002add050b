using System.Text.RegularExpressions;
using Archiver.Testing;
using Npgsql;

namespace Archiver.Worker.Tests.Store;

/// <summary>
/// The worker's login (a member of archiver_writer, as deployed) against the contract docs/operations.md states: it has
/// exactly the grants listed there and no other on any table or view, and it cannot change or remove evidence, disable a
/// trigger, or alter or drop any table.
/// </summary>
public sealed partial class WorkerLoginTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static readonly string[] Privileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];

    [Fact]
    public async Task The_writer_has_exactly_the_grants_the_operations_guide_lists()
    {
        var documented = DocumentedGrants();
        Assert.True(documented.Count >= 15, $"{documented.Count} documented tables");
        var actual = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        await using var command = database.DataSource.CreateCommand(
            """
            SELECT n.nspname || '.' || c.relname, p.privilege
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN unnest($1::text[]) AS p(privilege)
            WHERE n.nspname IN ('archive', 'readmodel') AND c.relkind IN ('r', 'v', 'p', 'm')
              AND has_table_privilege('archiver_writer', c.oid, p.privilege)
            """);
        command.Parameters.AddWithValue(Privileges);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                if (!actual.TryGetValue(reader.GetString(0), out var privileges))
                    actual[reader.GetString(0)] = privileges = new SortedSet<string>(StringComparer.Ordinal);
                privileges.Add(reader.GetString(1));
            }
        }
        Assert.Equal(Describe(documented), Describe(actual));
    }

    public static TheoryData<string> Refused => new()
    {
        "UPDATE archive.events SET type = 'x'",
        "DELETE FROM archive.events",
        "TRUNCATE archive.events",
        "UPDATE archive.conflicts SET type = 'x'",
        "DELETE FROM archive.conflicts",
        "TRUNCATE archive.conflicts",
        "DELETE FROM archive.rejections",
        "DELETE FROM archive.checkpoints",
        "INSERT INTO archive.certificates (certificate_id, kind, conversation_id, statement, prev_hash, hash, created_at) VALUES (1, 'disposal', 'c', '{}', '\\x', '\\x', now())",
        "INSERT INTO archive.certified_events (global_position, action, certificate_id, stream_id, position, hash) VALUES (1, 'disposed', 1, 's', 0, '\\x')",
        "INSERT INTO archive.legal_hold_releases (hold_id, reason, released_by, released_at) VALUES (1, 'r', 'me', now())",
        "INSERT INTO archive.masking_rule_sets (set_id, rules, applied_by, applied_at) VALUES ('x', '[]', 'me', now())",
        "DELETE FROM readmodel.message_originals",
        "INSERT INTO archive.consumer_registry (consumer_name, mode, account_id, external_id) VALUES ('x', 'Authenticated', 'a', 'e')",
        "UPDATE archive.consumer_registry SET removed_at = now(), removed_by = 'me'",
        "DELETE FROM archive.consumer_registry",
        "ALTER TABLE archive.events DISABLE TRIGGER events_append_only",
        "ALTER TABLE archive.events DISABLE TRIGGER ALL",
        "ALTER TABLE archive.conflicts DISABLE TRIGGER conflicts_append_only",
        "TRUNCATE readmodel.transcript_messages",
        "DELETE FROM readmodel.conversations",
        "CREATE TABLE archive.mine (x int)",
        "CREATE TABLE readmodel.mine (x int)",
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task The_writer_cannot_change_or_remove_evidence_nor_disable_a_trigger(string sql)
    {
        await using var writer = NpgsqlDataSource.Create(await database.CreateLoginAsync("archiver_writer"));
        await using var command = writer.CreateCommand(sql);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task The_writer_cannot_alter_or_drop_any_table_or_view()
    {
        await using var writer = NpgsqlDataSource.Create(await database.CreateLoginAsync("archiver_writer"));
        var relations = new List<(string Name, bool View)>();
        await using (var list = database.DataSource.CreateCommand(
            """
            SELECT n.nspname || '.' || c.relname, c.relkind = 'v'
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('archive', 'readmodel') AND c.relkind IN ('r', 'v')
            """))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                relations.Add((reader.GetString(0), reader.GetBoolean(1)));
        }
        Assert.True(relations.Count >= 20, $"{relations.Count} relations");
        var allowed = new List<string>();
        foreach (var (name, view) in relations)
        {
            foreach (var sql in new[] { view ? $"ALTER VIEW {name} RENAME TO x" : $"ALTER TABLE {name} ADD COLUMN x int", $"DROP {(view ? "VIEW" : "TABLE")} {name}" })
            {
                await using var command = writer.CreateCommand(sql);
                try
                {
                    await command.ExecuteNonQueryAsync();
                    allowed.Add(sql);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
                {
                    // Refused: must be the owner.
                }
            }
        }
        Assert.Empty(allowed);
    }

    /// <summary>The table "What archiver_writer may do" of docs/operations.md: each row's tables and privileges.</summary>
    private static Dictionary<string, SortedSet<string>> DocumentedGrants()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "operations.md"));
        var section = text[text.IndexOf("### What `archiver_writer` may do", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n\n", section.IndexOf("| table |", StringComparison.Ordinal), StringComparison.Ordinal)];
        var grants = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var line in section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = line.Split('|');
            var privileges = new SortedSet<string>(Backticked().Match(cells[2]).Groups[1].Value.Split(',', StringSplitOptions.TrimEntries), StringComparer.Ordinal);
            foreach (Match table in Backticked().Matches(cells[1]))
                grants[table.Groups[1].Value] = privileges;
        }
        return grants;
    }

    private static string Describe(Dictionary<string, SortedSet<string>> grants) =>
        string.Join("\n", grants.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {string.Join(", ", g.Value)}"));

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}
