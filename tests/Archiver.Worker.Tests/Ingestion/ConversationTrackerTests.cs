using System.Text.Json;
using Archiver.Domain.Protocol;
using Archiver.Worker.Ingestion;
using Archiver.Worker.Tests.Store;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Tests.Ingestion;

/// <summary>
/// Facts are derived against the latest state received, committed or still queued: a conversation that closes and is
/// rated before the writer has committed the close yields the rating alone, and a conversation forgotten after commit is
/// read back from the store, never diffed against an older state.
/// </summary>
public sealed class ConversationTrackerTests(MigratedDatabase database) : IClassFixture<MigratedDatabase>
{
    [Fact]
    public async Task A_rating_after_a_close_still_queued_adds_only_the_rating_and_a_forgotten_conversation_is_read_back_whole()
    {
        var id = Guid.NewGuid().ToString();
        var store = database.CreateStore();
        var tracker = new ConversationTracker(store, Options.Create(new IngestionOptions()));

        var (opened, openedCommitted) = await tracker.ObserveAsync(State(id, 1000, "OPEN", "OPEN", csat: null), "c1", CancellationToken.None);
        var (closed, closedCommitted) = await tracker.ObserveAsync(State(id, 2000, "CLOSE", "CLOSE", csat: null), "c1", CancellationToken.None);
        var (rated, ratedCommitted) = await tracker.ObserveAsync(State(id, 3000, "CLOSE", "CLOSE", csat: 4), "c1", CancellationToken.None);

        Assert.Equal(["ConversationObserved", "ConversationOpened", "ParticipantJoined", "DialogOpened"], opened.Select(e => e.Type));
        Assert.Equal(["ConversationObserved", "DialogClosed", "StageChanged", "ConversationClosed"], closed.Select(e => e.Type));
        Assert.Equal(["ConversationObserved", "CsatSubmitted"], rated.Select(e => e.Type));
        Assert.Equal((1, 0), tracker.Count); // held while queued

        await store.AppendAsync([.. opened, .. closed, .. rated]);
        openedCommitted!();
        closedCommitted!();
        Assert.Equal((1, 0), tracker.Count);
        ratedCommitted!();
        Assert.Equal((0, 0), tracker.Count); // all committed, and closed: forgotten

        var (again, _) = await tracker.ObserveAsync(State(id, 4000, "CLOSE", "CLOSE", csat: 5), "c1", CancellationToken.None);
        Assert.Equal(["ConversationObserved", "CsatSubmitted"], again.Select(e => e.Type));
    }

    private static ConversationChange State(string id, long updated, string state, string stage, int? csat)
    {
        var dialogState = state == "CLOSE" ? "CLOSE" : "OPEN";
        var rating = csat is { } rate ? $$""","csat":{"csatRate":{{rate}},"csatResolutionConfirmation":true,"status":"FILLED"}""" : "";
        var json = $$"""
            {"type":"UPSERT","result":{"convId":"{{id}}","conversationDetails":{"state":"{{state}}","stage":"{{stage}}","startTs":1000,
             "metaDataLastUpdateTs":{{updated}},"participants":[{"id":"u1","role":"CONSUMER"}],
             "dialogs":[{"dialogId":"{{id}}","dialogType":"MAIN","state":"{{dialogState}}","creationTs":1000}]{{rating}}
            """ + "}}}";
        using var document = JsonDocument.Parse(json);
        return ConversationChange.Read(document.RootElement);
    }
}
