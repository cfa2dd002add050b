using System.Globalization;
using System.Text.Json;
using Archiver.Simulator.Tests.Harness;

namespace Archiver.Simulator.Tests.Traffic;

/// <summary>
/// The year's personal data (docs/simulator.md, "The year"): every kind present, each mention recorded in the ground
/// truth's <c>scenario.messages</c> with the exact text that is in the event, look-alikes recorded apart, the deletion
/// marker, and personal data inside a structured-content text element.
/// </summary>
public sealed class YearPersonalDataTests(YearScenarioTests.Played year) : IClassFixture<YearScenarioTests.Played>
{
    private static readonly Dictionary<string, string> Values = new(StringComparer.Ordinal)
    {
        ["card"] = "4111 1111 1111 1111",
        ["ssn"] = "123-45-6789",
        ["email"] = "jane.doe@example.com",
        ["phone"] = "+1 (415) 555-0132",
        ["iban"] = "DE89 3704 0044 0532 0130 00",
    };

    private IEnumerable<(JsonElement Conversation, JsonElement Message)> Annotated() =>
        year.Truth.Conversations.SelectMany(c => YearTruth.Messages(c).Select(m => (c, m)));

    [Fact]
    public void Every_kind_of_personal_data_is_there_with_its_exact_text()
    {
        var mentions = Annotated().SelectMany(x => YearTruth.Mentions(x.Message, "pii")).Distinct().ToList();
        Assert.Equal(YearTruth.PersonalDataKinds.Order(), mentions.Select(m => m.Kind).Distinct().Order());
        Assert.All(mentions, m => Assert.Equal(Values[m.Kind], m.Value));
        Assert.True(Luhn(Values["card"]), "the card number is Luhn-valid, as a detector expects");
        Assert.Contains(Annotated(), x => YearTruth.Mentions(x.Message, "pii").Count() >= 2); // two kinds in one message
    }

    [Fact]
    public void Each_recorded_mention_is_verbatim_in_its_event_as_emitted()
    {
        Assert.NotEmpty(Annotated());
        foreach (var (conversation, message) in Annotated())
        {
            var key = (message.Str("dialogId")!, message.Num("sequence")!.Value);
            Assert.True(YearTruth.Events(conversation).TryGetValue(key, out var change), $"{key} is not an event of {conversation.Str("conversationId")}");
            Assert.Equal(message.Str("role"), change.Prop("originatorMetadata").Str("role"));
            Assert.Equal(message.Str("eventType"), change.Prop("event").Str("type"));
            var raw = change.GetRawText();
            var texts = Texts(change.Prop("event")).ToList();
            foreach (var (kind, value) in YearTruth.Mentions(message, "pii").Concat(YearTruth.Mentions(message, "lookAlikes")))
            {
                Assert.Contains(value, raw, StringComparison.Ordinal); // unescaped on the wire: a masker finds it as it is
                Assert.True(texts.Any(t => t.Contains(value, StringComparison.Ordinal)), $"{kind} {value} is in no text of {raw}");
            }
        }
    }

    [Fact]
    public void No_message_carries_personal_data_that_is_not_recorded()
    {
        foreach (var conversation in year.Truth.Conversations)
        {
            var recorded = YearTruth.Messages(conversation).ToDictionary(m => (m.Str("dialogId")!, m.Num("sequence")!.Value));
            foreach (var (key, change) in YearTruth.Events(conversation))
            {
                var found = Values.Where(v => change.Prop("event").GetRawText().Contains(v.Value, StringComparison.Ordinal)).Select(v => v.Key).Order().ToList();
                var listed = recorded.TryGetValue(key, out var message) ? YearTruth.Mentions(message, "pii").Select(m => m.Kind).Order().ToList() : [];
                Assert.True(found.SequenceEqual(listed), $"{key}: carries [{string.Join(",", found)}], recorded [{string.Join(",", listed)}]");
            }
        }
    }

    [Fact]
    public void Look_alikes_are_recorded_apart_and_are_never_personal_data()
    {
        var lookAlikes = Annotated().SelectMany(x => YearTruth.Mentions(x.Message, "lookAlikes")).Distinct().ToList();
        Assert.Equal(["order", "timestamp", "tracking"], lookAlikes.Select(m => m.Kind).Distinct().Order());
        Assert.All(lookAlikes.Where(m => m.Kind == "order"), m => Assert.Matches("^#[0-9]{5}$", m.Value));
        Assert.All(lookAlikes.Where(m => m.Kind == "tracking"), m => Assert.Equal("1Z999AA10123456784", m.Value));
        Assert.All(lookAlikes.Where(m => m.Kind == "timestamp"), m =>
            Assert.True(DateTimeOffset.TryParseExact(m.Value, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _), m.Value));
        Assert.DoesNotContain(lookAlikes, m => Values.ContainsValue(m.Value));
        Assert.Contains(Annotated(), x => !YearTruth.Mentions(x.Message, "pii").Any() && YearTruth.Mentions(x.Message, "lookAlikes").Any());
        Assert.Contains(Annotated(), x => YearTruth.Mentions(x.Message, "pii").Any() && YearTruth.Mentions(x.Message, "lookAlikes").Any());
    }

    [Fact]
    public void One_or_two_consumer_messages_are_the_deletion_marker_and_nothing_else()
    {
        var markers = Annotated().Where(x => x.Message.GetProperty("deletionMarker").GetBoolean()).ToList();
        Assert.InRange(markers.Count, 1, 2);
        Assert.All(markers, x =>
        {
            var change = YearTruth.Events(x.Conversation)[(x.Message.Str("dialogId")!, x.Message.Num("sequence")!.Value)];
            Assert.Equal(YearTruth.DeletionMarker, change.Prop("event").Str("message"));
            Assert.Equal("CONSUMER", x.Message.Str("role"));
            Assert.Empty(YearTruth.Mentions(x.Message, "pii"));
        });
        var everywhere = year.Truth.Conversations.SelectMany(c => YearTruth.Events(c).Values).Count(e => e.Prop("event").Str("message") == YearTruth.DeletionMarker);
        Assert.Equal(markers.Count, everywhere);
    }

    [Fact]
    public void A_rich_content_card_carries_personal_data_in_a_text_element()
    {
        var rich = Annotated().Where(x => x.Message.Str("eventType") == "RichContentEvent" && YearTruth.Mentions(x.Message, "pii").Any()).ToList();
        Assert.NotEmpty(rich);
        Assert.All(rich, x =>
        {
            var change = YearTruth.Events(x.Conversation)[(x.Message.Str("dialogId")!, x.Message.Num("sequence")!.Value)];
            var elements = change.Prop("event").Prop("content").GetProperty("elements").EnumerateArray().Where(e => e.Str("type") == "text").Select(e => e.Str("text")!).ToList();
            Assert.All(YearTruth.Mentions(x.Message, "pii"), m => Assert.Contains(elements, t => t.Contains(m.Value, StringComparison.Ordinal)));
            Assert.Contains(YearTruth.Mentions(x.Message, "pii"), m => m.Kind is "card" or "email");
        });
    }

    /// <summary>Every string in an event (a message, a rich card's texts, titles and links).</summary>
    private static IEnumerable<string> Texts(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Texts(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Texts),
        _ => [],
    };

    private static bool Luhn(string number)
    {
        var digits = number.Where(char.IsDigit).Select(d => d - '0').Reverse().ToList();
        return digits.Select((d, i) => i % 2 == 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d).Sum() % 10 == 0;
    }
}
