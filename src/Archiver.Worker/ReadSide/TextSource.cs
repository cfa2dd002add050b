using Npgsql;

namespace Archiver.Worker.ReadSide;

/// <summary>
/// Where the read side takes what was said from (docs/compliance.md, "Masking"): a login that may read the compliance
/// schema gets the originals (its views put them back over the masked values), any other — an analyst's — the read
/// models as analysts may read them, masked. The transcript, export and search commands (and the console) ask once per
/// connection.
/// </summary>
public sealed record TextSource(string Messages, string Answers, string MatchingMessages, bool Originals)
{
    public static TextSource Masked { get; } = new("readmodel.transcript_messages", "readmodel.survey_answers", "readmodel.matching_messages", false);

    public static TextSource Original { get; } = new("compliance.transcript_messages", "compliance.survey_answers", "compliance.matching_messages", true);

    public static async Task<TextSource> ForAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT to_regnamespace('compliance') IS NOT NULL AND has_schema_privilege('compliance', 'USAGE')", connection);
        return await command.ExecuteScalarAsync(cancellationToken) is true ? Original : Masked;
    }
}
