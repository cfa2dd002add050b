using System.Globalization;
using System.Text.Json;
using Archiver.Simulator.World;

namespace Archiver.Simulator.Traffic;

/// <summary>
/// The year scenario's words. Personal data uses well-known test values (a Luhn-valid Visa test number, the
/// documentation SSN, an example.com address, a 555 phone number, the IBAN registry's German example) so nothing real
/// ever sits in an archive; each is mixed with look-alikes that masking must leave alone (order numbers, a UPS tracking
/// id, an ISO timestamp). What is where depends on the conversation's index, so a run of six or more covers every kind.
/// </summary>
internal static class YearContent
{
    /// <summary>What LivePerson puts in place of erased personal content (the whole text of the message).</summary>
    public const string DeletionMarker = "*** LP deleted data ***";

    public const string Card = "4111 1111 1111 1111";
    public const string Ssn = "123-45-6789";
    public const string Email = "jane.doe@example.com";
    public const string Phone = "+1 (415) 555-0132";
    public const string Iban = "DE89 3704 0044 0532 0130 00";
    public const string Tracking = "1Z999AA10123456784";

    public static readonly IReadOnlyList<DataMention> PersonalData =
        [new("card", Card), new("ssn", Ssn), new("email", Email), new("phone", Phone), new("iban", Iban)];

    /// <summary>Skills rotate by index, so retention rules by skill have something to select; each has two agents (one takes over on a transfer).</summary>
    public static readonly IReadOnlyList<YearSkill> Skills =
    [
        new("1001", "sales", ["Alice Martin", "Erin Walsh"]),
        new("1002", "support", ["Bob Chen", "Farid Haddad"]),
        new("1003", "collections", ["Carla Diaz", "Gita Rao"]),
    ];

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The conversation's order number and order date (from its seeded random) and the tracking id.</summary>
    public static LookAlikes LookAlikesFor(Random random) => new(
        "#" + random.Next(10_000, 100_000).ToString(CultureInfo.InvariantCulture),
        Tracking,
        new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(random.Next(0, 366 * 86_400)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    public static string Opening(YearSkill skill, LookAlikes l) => skill.Name switch
    {
        "sales" => $"Hi, I'd like to add two more licences to order {l.Order}.",
        "support" => $"Hello, order {l.Order} has not arrived, tracking {l.Tracking} shows no update.",
        _ => $"Hi, I received a payment reminder dated {l.Timestamp} but I already paid.",
    };

    /// <summary>The consumer's message with personal data: one kind each, two at once, or only look-alikes.</summary>
    public static string Details(int index, LookAlikes l) => (index % 7) switch
    {
        0 => $"Please charge the card {Card} for order {l.Order}.",
        1 => $"For the credit check my SSN is {Ssn}; the application went in on {l.Timestamp}.",
        2 => $"Please send the invoice to {Email}, it is for order {l.Order}.",
        3 => $"Call me back on {Phone}, tracking {l.Tracking} still shows nothing.",
        4 => $"Refund it to my IBAN {Iban} please, reference {l.Order}.",
        5 => $"My new contact details: {Email} and {Phone} (since {l.Timestamp}).",
        _ => $"Order {l.Order} placed {l.Timestamp}, tracking {l.Tracking}: still no update.",
    };

    /// <summary>The agent's structured-content card, when the conversation has one: payment details to confirm (personal data in text elements) or a parcel.</summary>
    public static string? RichCard(int index, LookAlikes l) => (index % 5) switch
    {
        2 => $$$"""{"type":"RichContentEvent","content":{"type":"vertical","elements":[{"type":"text","text":"Please confirm your payment details","style":{"bold":true}},{"type":"text","text":{{{Quote("Card: " + Card)}}}},{"type":"text","text":{{{Quote("Receipt to: " + Email)}}}},{"type":"button","title":"Confirm","click":{"actions":[{"type":"publishText","text":"Confirmed"}]}}]}}""",
        0 => $$$"""{"type":"RichContentEvent","content":{"type":"vertical","elements":[{"type":"text","text":{{{Quote("Parcel " + l.Tracking)}}}},{"type":"button","title":"Track parcel","click":{"actions":[{"type":"link","name":"Track","uri":{{{Quote("https://example.invalid/track/" + l.Tracking)}}}}]}}]}}""",
        _ => null,
    };

    public static string Text(string message) => $$"""{"type":"ContentEvent","contentType":"text/plain","message":{{Quote(message)}}}""";

    /// <summary>Personal data and look-alikes found in an event's JSON (written unescaped, so they are there verbatim).</summary>
    public static (IReadOnlyList<DataMention> Pii, IReadOnlyList<DataMention> LookAlikes) Find(string eventJson, LookAlikes l) => (
        PersonalData.Where(p => eventJson.Contains(p.Value, StringComparison.Ordinal)).ToList(),
        l.All.Where(p => eventJson.Contains(p.Value, StringComparison.Ordinal)).ToList());

    /// <summary>A JSON string that keeps <c>+</c>, <c>'</c> and non-ASCII as they are, so the values above appear verbatim on the wire.</summary>
    private static string Quote(string value) => JsonSerializer.Serialize(value, Relaxed);
}

internal sealed record YearSkill(string Id, string Name, IReadOnlyList<string> Agents);

/// <summary>Text that looks like personal data and is not.</summary>
internal sealed record LookAlikes(string Order, string Tracking, string Timestamp)
{
    public IEnumerable<DataMention> All => [new("order", Order), new("tracking", Tracking), new("timestamp", Timestamp)];
}
