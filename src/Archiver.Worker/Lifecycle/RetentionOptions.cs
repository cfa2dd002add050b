namespace Archiver.Worker.Lifecycle;

/// <summary>
/// Section <c>Retention</c> (docs/compliance.md): how long closed conversations are kept. The longest rule that matches a
/// conversation decides; a conversation no rule matches is kept for ever.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    public List<RetentionRule> Rules { get; set; } = [];

    /// <summary>The worker runs retention this often (with <c>ConnectionStrings__Lifecycle</c>, the owner's); 0: never (the default).</summary>
    public int RunEveryHours { get; set; }

    /// <summary><c>ConnectionStrings__Lifecycle</c>: the owner's login, for the worker's scheduled retention only. Never logged.</summary>
    public string? LifecycleConnectionString { get; set; }
}

/// <summary><c>Retention__Rules__{i}__…</c>: one rule.</summary>
public sealed class RetentionRule
{
    public string Name { get; set; } = "";

    /// <summary>Days kept after the conversation's end.</summary>
    public int Days { get; set; }

    /// <summary>Only conversations on these skills (skillId); empty: any.</summary>
    public List<string> Skills { get; set; } = [];

    /// <summary>Only conversations of these brands (brandId); empty: any.</summary>
    public List<string> Brands { get; set; } = [];

    /// <summary>Only conversations archived through consumers of these modes (Signup, Unauthenticated, Authenticated); empty: any.</summary>
    public List<string> ConsumerModes { get; set; } = [];

    /// <summary>The law requires keeping what this rule matches for its whole period: erasure is refused until it ends.</summary>
    public bool MustKeep { get; set; }

    public bool Matches(ConversationRecord c) =>
        (Skills.Count == 0 || (c.SkillId is not null && Skills.Contains(c.SkillId, StringComparer.Ordinal)))
        && (Brands.Count == 0 || (c.BrandId is not null && Brands.Contains(c.BrandId, StringComparer.Ordinal)))
        && (ConsumerModes.Count == 0 || (c.ConsumerMode is not null && ConsumerModes.Contains(c.ConsumerMode, StringComparer.OrdinalIgnoreCase)));

    /// <summary>The end of this rule's period for a conversation, or null while it is not over (still open).</summary>
    public DateTimeOffset? KeptUntil(ConversationRecord c) => c.EndTs?.AddDays(Days);
}

/// <summary>What retention and erasure decide a conversation by.</summary>
public sealed record ConversationRecord(string ConversationId, string? ConsumerId, string? SkillId, string? BrandId, string? ConsumerMode, string? Stage, DateTimeOffset? StartTs, DateTimeOffset? EndTs)
{
    /// <summary>Closed for good: the conversation and its survey are over, and it has an end.</summary>
    public bool Closed => Stage == "CLOSE" && EndTs is not null;

    /// <summary>The columns <see cref="Read"/> takes, over <c>readmodel.conversations c</c>.</summary>
    public const string Columns =
        """
        c.conversation_id, c.consumer_id, c.skill_id, c.brand_id,
        (SELECT ci.mode FROM archive.consumer_ids ci WHERE ci.consumer_id = c.consumer_id), c.stage, c.start_ts, c.end_ts
        """;

    public static ConversationRecord Read(Npgsql.NpgsqlDataReader r) => new(
        r.GetString(0), Text(r, 1), Text(r, 2), Text(r, 3), Text(r, 4), Text(r, 5), Time(r, 6), Time(r, 7));

    private static string? Text(Npgsql.NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset? Time(Npgsql.NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
