
namespace Archiver.Simulator.Tests.Harness;

/// <summary>The shape comparison the conformance tests rely on does fail when it should.</summary>
public sealed class ShapeTests
{
    [Fact]
    public void A_missing_field_or_a_different_kind_is_reported_and_extra_fields_are_allowed()
    {
        var sample = System.Text.Json.JsonDocument.Parse("""{"a":1,"b":{"c":"x","d":[{"e":true}]}}""").RootElement;
        Assert.Empty(Shape.Mismatches(sample, System.Text.Json.JsonDocument.Parse("""{"a":2,"b":{"c":"y","d":[{"e":false,"f":1}],"g":0},"h":null}""").RootElement));
        Assert.Contains("$.a: missing", Shape.Mismatches(sample, System.Text.Json.JsonDocument.Parse("""{"b":{"c":"y","d":[]}}""").RootElement));
        Assert.Single(Shape.Mismatches(sample, System.Text.Json.JsonDocument.Parse("""{"a":1,"b":{"c":"y","d":[{"e":"true"}]}}""").RootElement));
        Assert.Empty(Shape.Mismatches(sample, System.Text.Json.JsonDocument.Parse("""{"b":{"c":3}}""").RootElement, requireAll: false, new HashSet<string> { "$.b.c" }));
        // A messaging sample is not a conversation notification.
        var messaging = Samples.Json("notification.ms.MessagingEventNotification.ContentEvent.3.json");
        var conversation = Samples.Json("notification.cqm.ExConversationChangeNotification.post-survey-open.1.json");
        Assert.NotEmpty(Shape.Mismatches(conversation, messaging));
    }
}
