using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Worker.Projections;
using Archiver.Worker.Store;
using Archiver.Worker.Tests.Store;

namespace Archiver.Worker.Tests.ReadModels;

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

    private async Task<string[]> RowsAsync(string conversation) => await database.ScalarAsync<string[]>(
        $"SELECT array_agg(participant_id || ' ' || change ORDER BY global_position) FROM readmodel.participants WHERE conversation_id = '{conversation}'");
}
