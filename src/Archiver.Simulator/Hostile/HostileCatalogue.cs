using System.Globalization;

namespace Archiver.Simulator.Hostile;

/// <summary>
/// Every hostile case, by its stable name (docs/simulator.md, "Hostile content"). JSON escapes below are literal escapes
/// in the emitted text (the six characters <c>\ud83d</c>), never raw invalid characters: the frames stay valid UTF-8,
/// and what they carry is exactly what a real server would pass on from an agent or a bot.
/// </summary>
public static class HostileCatalogue
{
    /// <summary>2,000 characters: a readable prefix, then a repeating alphabet.</summary>
    private static readonly string OverlongDialogId = ("overlong-dialog-" + string.Concat(Enumerable.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 56)))[..2000];

    public static IReadOnlyList<HostileCase> All { get; } =
    [
        // ---- in band: a dialog and a sequence the world assigns; archived, in the ground truth, re-delivered ----
        new InBandChangeCase("lone-high-surrogate-text", "text ending in a lone high surrogate escape \\ud83d",
            _ => Text("""half an emoji \ud83d""")),
        new InBandChangeCase("lone-low-surrogate-text", "text starting with a lone low surrogate escape \\udc00",
            _ => Text("""\udc00 reversed half""")),
        new InBandChangeCase("nul-text", "text with a NUL escape \\u0000 (PostgreSQL text and jsonb refuse U+0000)",
            _ => Text("""before\u0000after""")),
        new InBandChangeCase("nul-rich-content", "a RichContentEvent whose card has a text element containing \\u0000",
            _ => """{"type":"RichContentEvent","content":{"type":"vertical","elements":[{"type":"text","text":"card \u0000 text","style":{"bold":true}},{"type":"button","title":"ok\u0000","click":{"actions":[{"type":"publishText","text":"ok"}]}}]}}"""),
        new InBandChangeCase("huge-text", "about 1.5 MB of varied ASCII words: more lexemes than a tsvector holds, so to_tsvector fails on it",
            _ => Text(HostileContent.HugeText)),
        new InBandChangeCase("deep-rich-content", "a RichContentEvent 200 levels deep (nested vertical layouts)",
            _ => HostileContent.DeepRichContent(200)),
        new InBandChangeCase("absurd-timestamp", "serverTimestamp 9999999999999999 (year 318857)",
            _ => Text("absurd server timestamp"), Fields("serverTimestamp", "9999999999999999")),
        new InBandChangeCase("negative-timestamp", "serverTimestamp -9999999999999999",
            _ => Text("negative server timestamp"), Fields("serverTimestamp", "-9999999999999999")),
        new InBandChangeCase("fractional-timestamp", "serverTimestamp 1700000000000.5",
            _ => Text("fractional server timestamp"), Fields("serverTimestamp", "1700000000000.5")),
        new InBandChangeCase("reserved-event-type", "event.type CsatSubmitted (a name the archive uses for its own events) with a CSAT-shaped body",
            s => $$"""{"type":"CsatSubmitted","conversationId":"{{s.ConversationId}}","rate":5,"resolutionConfirmation":true,"status":"FILLED","at":{{Ts(s)}},"observation":"hostile"}"""),
        new InBandChangeCase("reserved-event-type-participant", "event.type ParticipantJoined with a participant-shaped body",
            s => $$"""{"type":"ParticipantJoined","conversationId":"{{s.ConversationId}}","participantId":"{{s.AgentId}}","role":"MANAGER","at":{{Ts(s)}},"observation":"hostile"}"""),
        new InBandChangeCase("terminal-escapes-text", "ESC colour sequences, an OSC 8 hyperlink and a clear-screen in text",
            _ => Text("""\u001b[31mred\u001b[0m \u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007 \u001b[2J""")),
        new InBandChangeCase("csv-formula-text", "text that a spreadsheet would run as a formula",
            _ => Text("""=HYPERLINK(\"http://evil.example\",\"click\")""")),
        new InBandChangeCase("html-text", "text that is markup: a script and an img onerror",
            _ => Text("""<script>alert(1)</script><img src=x onerror=alert(2)>""")),
        new InBandChangeCase("huge-numbers", "a ContentEvent with extra numbers beyond double and long: 1e400, -1e400, 123456789012345678901234567890, 0.000000000000000000001",
            _ => """{"type":"ContentEvent","contentType":"text/plain","message":"numbers beyond double","simHuge":1e400,"simHugeNegative":-1e400,"simBigInteger":123456789012345678901234567890,"simTiny":0.000000000000000000001}"""),
        new InBandChangeCase("text-as-number", "message is the number 12345",
            _ => """{"type":"ContentEvent","contentType":"text/plain","message":12345}"""),
        new InBandChangeCase("message-wrong-shape", "message is an array: [1, {\"a\": []}]",
            _ => """{"type":"ContentEvent","contentType":"text/plain","message":[1,{"a":[]}]}"""),
        new InBandChangeCase("receipt-absurd-sequences", "a READ receipt whose sequenceList is [1.9, -1, 1e30, \"x\", 9223372036854775808]",
            _ => """{"type":"AcceptStatusEvent","status":"READ","sequenceList":[1.9,-1,1e30,"x",9223372036854775808]}"""),
        new InBandChangeCase("unknown-event-type", "event.type Hologram\\u0000Event",
            _ => """{"type":"Hologram\u0000Event","hologram":{"frames":3}}"""),

        // ---- out of band: keys no dialog can hold; sent once, never re-delivered ----
        new OutOfBandChangeCase("fractional-sequence", "sequence 1.9 in the MAIN dialog (it is not sequence 1)",
            s => Change(s, "1.9", Quote(s.MainDialogId), "fractional sequence")),
        new OutOfBandChangeCase("negative-sequence", "sequence -5 in the MAIN dialog",
            s => Change(s, "-5", Quote(s.MainDialogId), "negative sequence")),
        new OutOfBandChangeCase("huge-sequence", "sequence 99999999999999999999 (beyond long) in the MAIN dialog",
            s => Change(s, "99999999999999999999", Quote(s.MainDialogId), "huge sequence")),
        new OutOfBandChangeCase("string-sequence", "sequence \"abc\" in the MAIN dialog",
            s => Change(s, "\"abc\"", Quote(s.MainDialogId), "string sequence")),
        new OutOfBandChangeCase("nul-dialog-id", "dialogId \"dlg\\u0000x\"",
            s => Change(s, "0", "\"dlg\\u0000x\"", "NUL in the dialog id")),
        new OutOfBandChangeCase("reserved-prefix-dialog-id", "dialogId \"conversation:\" + the conversation id (the archive's name for a conversation's stream)",
            s => Change(s, "0", Quote("conversation:" + s.ConversationId), "reserved dialog id")),
        new OutOfBandChangeCase("overlong-dialog-id", "a dialogId of 2,000 characters",
            s => Change(s, "0", Quote(OverlongDialogId), "overlong dialog id")),
        new OutOfBandChangeCase("missing-dialog-id", "a change without dialogId",
            s => Change(s, "0", null, "no dialog id")),
        new FrameCase("non-object-changes", "a messaging notification whose changes are [42, \"x\", null, true]",
            _ => HostileFrame.OfText("""{"kind":"notification","body":{"changes":[42,"x",null,true]},"type":"ms.MessagingEventNotification"}""")),

        // ---- states: a copy of the latest state result with one field made hostile; sent once ----
        new StateCase("csat-rate-overflow", "conversationDetails.csat.csatRate 4294967301 (beyond uint)",
            (s, state) => Csat(Fresh(state, s), "4294967301")),
        new StateCase("csat-rate-fraction", "conversationDetails.csat.csatRate 4.5",
            (s, state) => Csat(Fresh(state, s), "4.5")),
        new StateCase("absurd-start-ts", "conversationDetails.startTs 9999999999999999",
            (s, state) => JsonSplice.Set(Fresh(state, s), "conversationDetails.startTs", "9999999999999999")),
        new StateCase("absurd-last-update-ts", "conversationDetails.metaDataLastUpdateTs 9999999999999999 (every later state looks older)",
            (_, state) => JsonSplice.Set(state, "conversationDetails.metaDataLastUpdateTs", "9999999999999999")),
        new StateCase("nul-participant-id", "an extra participant whose id contains \\u0000",
            (s, state) => AddParticipant(Fresh(state, s), "\"participant\\u0000x\"")),
        new StateCase("lone-surrogate-participant-id", "an extra participant whose id ends in \\ud800",
            (s, state) => AddParticipant(Fresh(state, s), "\"participant-\\ud800\"")),
        new StateCase("nul-conversation-id", "convId with \\u0000, in result.convId and conversationDetails.convId",
            (s, state) =>
            {
                var id = "\"" + s.ConversationId + "\\u0000\"";
                return JsonSplice.Set(JsonSplice.Set(Fresh(state, s), "convId", id), "conversationDetails.convId", id);
            }),
        new StateCase("participants-wrong-type", "conversationDetails.participants is 42",
            (s, state) => JsonSplice.Set(Fresh(state, s), "conversationDetails.participants", "42")),
        new StateCase("dialogs-wrong-type", "conversationDetails.dialogs is \"x\"",
            (s, state) => JsonSplice.Set(Fresh(state, s), "conversationDetails.dialogs", "\"x\"")),

        // ---- frames ----
        new FrameCase("not-json-frame", "a text frame that is not JSON: this is {not json",
            _ => HostileFrame.OfText("this is {not json")),
        new FrameCase("too-deep-frame", "a messaging notification 300 levels deep",
            _ => HostileFrame.OfText(HostileContent.TooDeepNotification(300))),
        new FrameCase("top-level-array-frame", "a text frame [1,2,3]",
            _ => HostileFrame.OfText("[1,2,3]")),
        new FrameCase("binary-frame", "a binary frame with the bytes 00 FF 10 80 7B",
            _ => new HostileFrame(null, [0x00, 0xFF, 0x10, 0x80, 0x7B], Binary: true)),
        new FrameCase("empty-frame", "a text frame with no bytes",
            _ => HostileFrame.OfText("")),
    ];

    private static readonly Dictionary<string, HostileCase> ByName = All.ToDictionary(c => c.Name, StringComparer.Ordinal);

    public static HostileCase? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>A text ContentEvent; <paramref name="jsonStringContent"/> is already JSON string content (escapes as they go on the wire).</summary>
    private static string Text(string jsonStringContent) =>
        "{\"type\":\"ContentEvent\",\"contentType\":\"text/plain\",\"message\":\"" + jsonStringContent + "\"}";

    private static Dictionary<string, string> Fields(string name, string raw) => new(StringComparer.Ordinal) { [name] = raw };

    private static string Quote(string value) => World.WireJson.Quote(value);

    private static string Ts(HostileScene scene) => scene.Timestamp.ToString(CultureInfo.InvariantCulture);

    /// <summary>An agent's ContentEvent change with the given raw <c>sequence</c> and <c>dialogId</c> (null: the field is absent).</summary>
    private static OutOfBandChange Change(HostileScene s, string? sequence, string? dialogId, string message)
    {
        var json = new System.Text.StringBuilder("{");
        if (sequence is not null)
            json.Append("\"sequence\":").Append(sequence).Append(',');
        json.Append("\"originatorId\":\"").Append(s.AgentId).Append("\",\"originatorMetadata\":{\"id\":\"").Append(s.AgentId)
            .Append("\",\"role\":\"ASSIGNED_AGENT\"},\"serverTimestamp\":").Append(Ts(s))
            .Append(",\"event\":{\"type\":\"ContentEvent\",\"contentType\":\"text/plain\",\"message\":\"out of band: ").Append(message)
            .Append("\"},\"conversationId\":\"").Append(s.ConversationId).Append('"');
        if (dialogId is not null)
            json.Append(",\"dialogId\":").Append(dialogId);
        json.Append(",\"metadata\":null}");
        return new OutOfBandChange(json.ToString(), dialogId is null ? null : System.Text.Json.JsonSerializer.Deserialize<string>(dialogId));
    }

    /// <summary>The state looks like the newest version: a metaDataLastUpdateTs later than any emitted so far.</summary>
    private static string Fresh(string state, HostileScene s) => JsonSplice.Set(state, "conversationDetails.metaDataLastUpdateTs", Ts(s));

    private static string Csat(string state, string rate) =>
        JsonSplice.Has(state, "conversationDetails.csat")
            ? JsonSplice.Set(state, "conversationDetails.csat.csatRate", rate)
            : JsonSplice.Set(state, "conversationDetails.csat", $$"""{"csatRate":{{rate}},"csatResolutionConfirmation":true,"status":"FILLED"}""");

    /// <summary>Adds a participant in whichever shape the state carries them (an array, a role map, or only participantsPId: the quirks in docs/simulator.md).</summary>
    private static string AddParticipant(string state, string rawId)
    {
        var participants = JsonSplice.Raw(state, "conversationDetails.participants");
        if (participants is not null && participants.StartsWith('['))
            return JsonSplice.Append(state, "conversationDetails.participants", $$"""{"id":{{rawId}},"role":"READER"}""");
        var map = participants is not null ? "conversationDetails.participants" : "conversationDetails.participantsPId";
        return JsonSplice.Has(state, map + ".READER")
            ? JsonSplice.Append(state, map + ".READER", rawId)
            : JsonSplice.Set(state, map + ".READER", "[" + rawId + "]");
    }
}
