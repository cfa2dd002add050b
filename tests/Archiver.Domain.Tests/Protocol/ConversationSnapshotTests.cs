using System.Text;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Protocol;

public sealed class ConversationSnapshotTests
{
    private static ConversationChange Change(string details, string type = "UPSERT") =>
        Assert.Single(Assert.IsType<ConversationNotification>(FrameParser.Parse(Encoding.UTF8.GetBytes(
            $$"""{"type":"cqm.ExConversationChangeNotification","body":{"changes":[{"type":"{{type}}","result":{"convId":"c1","unknownTopLevel":1,"conversationDetails":{{details}} } } ] } }"""), out _)).Changes);

    [Fact]
    public void Participants_as_an_array_a_role_map_or_participantsPId_are_the_same_state()
    {
        var asArray = Change("""{"state":"OPEN","participants":[{"id":"u1","role":"CONSUMER"},{"id":"a1","role":"ASSIGNED_AGENT"}]}""");
        var asMap = Change("""{"state":"OPEN","participants":{"ASSIGNED_AGENT":"a1","CONSUMER":["u1"]}}""");
        var asPid = Change("""{"participantsPId":{"CONSUMER":["u1"],"ASSIGNED_AGENT":["a1"]},"state":"OPEN","newField":true}""");

        Assert.Equal(asArray.Snapshot.StateKey("UPSERT"), asMap.Snapshot.StateKey("UPSERT"));
        Assert.Equal(asArray.Snapshot.StateKey("UPSERT"), asPid.Snapshot.StateKey("UPSERT"));
        Assert.Equal("u1", asPid.Snapshot.ConsumerId);
    }

    [Fact]
    public void A_different_state_or_change_type_has_a_different_key()
    {
        var open = Change("""{"state":"OPEN","participants":[{"id":"u1","role":"CONSUMER"}]}""");
        var closed = Change("""{"state":"CLOSE","participants":[{"id":"u1","role":"CONSUMER"}]}""");

        Assert.NotEqual(open.Snapshot.StateKey("UPSERT"), closed.Snapshot.StateKey("UPSERT"));
        Assert.NotEqual(open.Snapshot.StateKey("UPSERT"), open.Snapshot.StateKey("DELETE"));
    }

    [Fact]
    public void The_post_survey_sample_reads_both_dialogs_and_the_stage()
    {
        var frame = Assert.IsType<ConversationNotification>(
            FrameParser.Parse(Samples.Bytes("notification.cqm.ExConversationChangeNotification.post-survey-open.1.json"), out _));

        var snapshot = Assert.Single(frame.Changes).Snapshot;
        Assert.Equal(("CLOSE", "OPEN"), (snapshot.State, snapshot.Stage));
        Assert.Equal(["MAIN", "POST_SURVEY"], snapshot.Dialogs.Select(d => d.DialogType));
        Assert.Equal(["CLOSE", "OPEN"], snapshot.Dialogs.Select(d => d.State));
        Assert.Contains(snapshot.Participants, p => p.Role == "AGENT");
    }
}
