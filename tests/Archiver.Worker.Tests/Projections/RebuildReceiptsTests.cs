using Archiver.Domain.Events;
using Archiver.Worker.Projections;
using Archiver.Worker.Store;
using Archiver.Worker.Tests.Store;

namespace Archiver.Worker.Tests.Projections;

/// <summary>A rebuild's receipts are merged in bounded memory: spilled and merged in PostgreSQL, they give the live rows.</summary>
public sealed class RebuildReceiptsTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    [Fact]
    public async Task Receipts_spilled_to_the_database_during_a_rebuild_merge_to_exactly_the_live_rows()
    {
        var dialog = Guid.NewGuid().ToString();
        var live = new ReadModelsProjection();
        var store = database.CreateStore(new TranscriptProjection(), live);
        var events = new List<NewEvent>();
        for (var seq = 0; seq < 40; seq++)
        {
            var status = seq % 3 == 0 ? "ACCEPT" : "READ";
            // Receipts for earlier messages by two participants, some twice, one without a role: merged by min time, first role.
            var role = seq % 5 == 0 ? "" : ",\"originatorMetadata\":{\"role\":\"CONSUMER\"}";
            events.Add(new NewEvent(dialog, seq, "AcceptStatusEvent",
                $$"""{"sequence":{{seq}},"originatorId":"p{{seq % 2}}"{{role}},"serverTimestamp":{{1_700_000_000_000 + seq}},"event":{"type":"AcceptStatusEvent","status":"{{status}}","sequenceList":[{{seq / 2}},{{seq / 3}}]},"dialogId":"{{dialog}}"}""",
                DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + seq)));
        }
        foreach (var chunk in events.Chunk(7))
            await store.AppendAsync(chunk);
        var before = await ReceiptsAsync(dialog);
        Assert.True(before.Length > 20, $"{before.Length} receipts");

        var rebuilding = new ReadModelsProjection { MaxReceiptsInMemory = 3 }; // spills every few events
        await new ProjectionRebuilder(database.DataSource, [new TranscriptProjection(), rebuilding], TimeProvider.System)
            .RebuildAsync(null, CancellationToken.None);

        Assert.Equal(before, await ReceiptsAsync(dialog));
    }

    private Task<string[]> ReceiptsAsync(string dialog) => database.ScalarAsync<string[]>(
        $"""
        SELECT array_agg(concat_ws('|', sequence, participant_id, participant_role, accepted_at, read_at) ORDER BY sequence, participant_id)
        FROM readmodel.read_receipts WHERE dialog_id = '{dialog}'
        """);
}
