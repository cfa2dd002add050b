using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Worker.Projections;
using Archiver.Worker.Store;
using Archiver.Worker.Tests.Store;

namespace Archiver.Worker.Tests.Projections;

/// <summary>
/// Archives written before facts were derived against queued states hold some twice (a join of someone already present).
/// The participants read model changes only on a real change, live and after a rebuild alike.
/// </summary>
public sealed class RepeatedFactsTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    private static readonly IInlineProjection[] Projections = [new TranscriptProjection(), new ReadModelsProjection(), new AgentsProjection()];

    [Fact]
    public async Task A_repeated_join_or_leave_changes_nothing_in_any_batching_and_a_rebuild_gives_the_same_rows()
    {
        var conversation = Guid.NewGuid().ToString();
        var store = database.CreateStore(Projections);
        var n = 0;
        NewEvent Fact(ConversationFact fact) => new(ArchiveEventTypes.ConversationStream(conversation), null, fact.EventType,
            fact switch
            {
                ParticipantJoined j => JsonSerializer.Serialize(j, ConversationFactJson.Default.ParticipantJoined),
                ParticipantLeft l => JsonSerializer.Serialize(l, ConversationFactJson.Default.ParticipantLeft),
                _ => throw new ArgumentOutOfRangeException(nameof(fact)),
            }, null, $"fact-{n++}");
        ParticipantJoined Join(string who) => new(conversation, who, "ASSIGNED_AGENT", 1_700_000_000_000 + n, "o");
        ParticipantLeft Leave(string who) => new(conversation, who, "ASSIGNED_AGENT", 1_700_000_000_000 + n, "o");

        await store.AppendAsync([Fact(Join("a1"))]);
        await store.AppendAsync([Fact(Join("a1")), Fact(Leave("a1")), Fact(Leave("a1")), Fact(Join("a2")), Fact(Join("a2"))]); // in one batch
        await store.AppendAsync([Fact(Join("a2"))]);
        await store.AppendAsync([Fact(Leave("a1"))]);
        await store.AppendAsync([Fact(Leave("a2")), Fact(Join("a1"))]);

        var expected = new[] { "a1 JOINED", "a1 LEFT", "a2 JOINED", "a2 LEFT", "a1 JOINED" };
        Assert.Equal(expected, await RowsAsync(conversation));

        await new ProjectionRebuilder(database.DataSource, Projections, TimeProvider.System).RebuildAsync(null, CancellationToken.None);
        Assert.Equal(expected, await RowsAsync(conversation));
    }

    [Fact]
    public async Task On_an_archive_with_repeated_facts_the_transfers_view_counts_each_handover_once()
    {
        var conversation = Guid.NewGuid().ToString();
        var store = database.CreateStore(Projections);
        var n = 0;
        NewEvent Fact(bool joined, string who) => new(ArchiveEventTypes.ConversationStream(conversation), null,
            joined ? ArchiveEventTypes.ParticipantJoined : ArchiveEventTypes.ParticipantLeft,
            joined
                ? JsonSerializer.Serialize(new ParticipantJoined(conversation, who, "ASSIGNED_AGENT", 1_700_000_000_000 + n, "o"), ConversationFactJson.Default.ParticipantJoined)
                : JsonSerializer.Serialize(new ParticipantLeft(conversation, who, "ASSIGNED_AGENT", 1_700_000_000_000 + n, "o"), ConversationFactJson.Default.ParticipantLeft),
            null, $"fact-{n++}");

        // A → B, then the same transfer's facts again (what archives written before issue 11 hold: a CSAT after the close
        // diffed against a state from before the transfer), then a real B → A.
        await store.AppendAsync([Fact(true, "a")]);
        await store.AppendAsync([Fact(false, "a"), Fact(true, "b")]);
        await store.AppendAsync([Fact(false, "a"), Fact(true, "b")]);
        Assert.Equal(["a→b"], await TransfersAsync(conversation));
        await store.AppendAsync([Fact(false, "b"), Fact(true, "a")]);
        Assert.Equal(["a→b", "b→a"], await TransfersAsync(conversation));

        // A rebuild of that archive counts the same.
        await new ProjectionRebuilder(database.DataSource, Projections, TimeProvider.System).RebuildAsync(null, CancellationToken.None);
        Assert.Equal(["a→b", "b→a"], await TransfersAsync(conversation));

        // And the view alone, over rows a projection of old wrote for every repeated fact: still one handover.
        var old = Guid.NewGuid().ToString();
        await database.ExecuteAsync(
            $"""
            INSERT INTO readmodel.participants (global_position, conversation_id, participant_id, role, change, at) VALUES
              (-10, '{old}', 'a', 'ASSIGNED_AGENT', 'JOINED', now()), (-9, '{old}', 'a', 'ASSIGNED_AGENT', 'LEFT', now()),
              (-8, '{old}', 'b', 'ASSIGNED_AGENT', 'JOINED', now()), (-7, '{old}', 'a', 'ASSIGNED_AGENT', 'LEFT', now()),
              (-6, '{old}', 'b', 'ASSIGNED_AGENT', 'JOINED', now())
            """);
        Assert.Equal(["a→b"], await TransfersAsync(old));
    }

    private async Task<string[]> TransfersAsync(string conversation) => await database.ScalarAsync<string[]>(
        $"SELECT array_agg(from_agent_id || '→' || to_agent_id ORDER BY global_position) FROM readmodel.transfers WHERE conversation_id = '{conversation}'");

    private async Task<string[]> RowsAsync(string conversation) => await database.ScalarAsync<string[]>(
        $"SELECT array_agg(participant_id || ' ' || change ORDER BY global_position) FROM readmodel.participants WHERE conversation_id = '{conversation}'");
}
