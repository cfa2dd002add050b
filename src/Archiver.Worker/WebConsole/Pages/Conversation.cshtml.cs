using System.Text.Json.Nodes;
using Archiver.Worker.ReadSide;
using Archiver.Worker.Store.Verification;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;

namespace Archiver.Worker.WebConsole.Pages;

/// <summary>
/// One conversation (docs/console.md): each dialog's transcript with times, authors, agents' names and receipts, files
/// and rich content shown readably, the participants' timeline, CSAT and survey answers, its streams' chains checked now,
/// its legal holds; masked or clear by role. Every view is recorded; the page is never cached.
/// </summary>
public sealed class ConversationModel(NpgsqlDataSource dataSource, AccessAudit audit) : PageModel
{
    public ConversationDocument Conversation { get; private set; } = null!;

    public IReadOnlyList<StreamCheckResult> Streams { get; private set; } = [];

    public IReadOnlyList<(long HoldId, string CaseId)> Holds { get; private set; } = [];

    public bool Clear { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        Clear = User.CanReadClear();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var found = await new ConversationReader(connection, Clear ? TextSource.Original : TextSource.Masked).FindAsync(id, cancellationToken);
        if (found is null)
            return NotFound();
        Conversation = found;
        Streams = await StreamCheck.CheckAsync(connection, await StreamsOfAsync(connection, id, cancellationToken), cancellationToken);
        Holds = await HoldsAsync(connection, id, cancellationToken);
        await audit.RecordAsync(HttpContext, AccessAudit.View, id, new JsonObject { ["clear"] = Clear }, cancellationToken);
        return Page();
    }

    /// <summary>The conversation's streams: its metadata, every dialog's messages and chat states.</summary>
    private static async Task<List<string>> StreamsOfAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            WITH dialogs AS (SELECT $1 AS dialog_id UNION SELECT dialog_id FROM readmodel.dialogs WHERE conversation_id = $1)
            SELECT s.stream_id FROM archive.streams s
            WHERE s.stream_id = 'conversation:' || $1
               OR s.stream_id IN (SELECT dialog_id FROM dialogs)
               OR s.stream_id IN (SELECT 'chatstate:' || dialog_id FROM dialogs)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var streams = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
            streams.Add(reader.GetString(0));
        return streams;
    }

    private static async Task<List<(long, string)>> HoldsAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT hold_id, case_id FROM archive.held_conversations WHERE conversation_id = $1 ORDER BY hold_id", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var holds = new List<(long, string)>();
        while (await reader.ReadAsync(cancellationToken))
            holds.Add((reader.GetInt64(0), reader.GetString(1)));
        return holds;
    }

    public static string Time(DateTime? value) => value?.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) ?? "–";
}
