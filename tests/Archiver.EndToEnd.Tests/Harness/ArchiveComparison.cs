using System.Text.Json;
using Npgsql;

namespace Archiver.EndToEnd.Tests.Harness;

/// <summary>How the derived facts of each conversation stream are held against the ground truth.</summary>
public enum FactCheck
{
    /// <summary>
    /// Per conversation: <see cref="Exact"/> when the stream holds every emitted state version once, in the order
    /// emitted (the worker saw each transition, so each fact is determined); <see cref="Invariants"/> otherwise (a
    /// disconnect, a crash or a reorder made it miss or reorder versions, so only the invariants can be expected).
    /// </summary>
    Auto,

    /// <summary>
    /// Every emitted state version is archived, and the facts are exactly those the versions imply: each once, from
    /// the observation of the version that implies it, nothing else.
    /// </summary>
    Exact,

    /// <summary>
    /// What holds however many versions the worker missed: nothing is duplicated (opened once, closed at most once, a
    /// dialog opened and closed at most once each, a participant never joins twice without leaving in between nor
    /// leaves without being there), every fact names an archived observation, and the participants present after the
    /// last fact, the latest CSAT and TTR, and the open and closed dialogs are those of the latest state.
    /// </summary>
    Invariants,
}

/// <summary>
/// The archive against the simulator's ground truth. Messaging events must match exactly: every (dialog, sequence)
/// emitted is archived once with the same JSON, and nothing else is. Conversation states: every archived state is one
/// the simulator emitted, and the latest emitted state is archived (states that came and went while the worker was
/// disconnected are legitimately never seen — the server only re-sends the current one). Derived facts
/// (ConversationOpened, ParticipantJoined, …): against the facts the emitted versions imply (<see cref="ExpectedFacts"/>),
/// as <see cref="FactCheck"/> says.
/// </summary>
public static class ArchiveComparison
{
    public static async Task<IReadOnlyList<string>> DifferencesAsync(NpgsqlDataSource archive, GroundTruth truth, FactCheck facts = FactCheck.Auto)
    {
        var archived = await ReadAsync(archive);
        var differences = MessagesAndStates(archived, truth);
        foreach (var conversation in truth.Conversations)
            differences.AddRange(FactDifferences(conversation, archived.GetValueOrDefault("conversation:" + conversation.ConversationId) ?? [], facts, HostileStates(truth)));
        return differences;
    }

    /// <summary>
    /// Messaging events and observed states only, without the derived facts; with <paramref name="everyState"/>, every
    /// emitted state version must be archived too (what a run without faults must achieve before its facts can be
    /// held to <see cref="FactCheck.Exact"/>).
    /// </summary>
    public static async Task<IReadOnlyList<string>> MessagesAndStatesDifferencesAsync(NpgsqlDataSource archive, GroundTruth truth, bool everyState)
    {
        var archived = await ReadAsync(archive);
        var differences = MessagesAndStates(archived, truth);
        if (!everyState)
            return differences;
        foreach (var conversation in truth.Conversations)
        {
            var observed = (archived.GetValueOrDefault("conversation:" + conversation.ConversationId) ?? [])
                .Where(e => e.Type == "ConversationObserved").Select(e => Parse(e.Body).GetProperty("result")).ToList();
            for (var i = 0; i < conversation.States.Count; i++)
            {
                if (!observed.Any(s => Same(s, conversation.States[i])))
                    differences.Add($"conversation {conversation.ConversationId}: state {i + 1}/{conversation.States.Count} is not archived");
            }
        }
        return differences;
    }

    /// <summary>Only the derived facts (and, for <see cref="FactCheck.Exact"/>, that every version is archived).</summary>
    public static async Task<IReadOnlyList<string>> FactDifferencesAsync(NpgsqlDataSource archive, GroundTruth truth, FactCheck facts)
    {
        var archived = await ReadAsync(archive);
        return truth.Conversations
            .SelectMany(c => FactDifferences(c, archived.GetValueOrDefault("conversation:" + c.ConversationId) ?? [], facts, HostileStates(truth)))
            .ToList();
    }

    public static async Task<long> CountAsync(NpgsqlDataSource archive, string sql)
    {
        await using var command = archive.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static List<string> MessagesAndStates(Dictionary<string, List<Stored>> archived, GroundTruth truth)
    {
        var differences = new List<string>();
        var expectedStreams = new HashSet<string>(StringComparer.Ordinal);

        foreach (var conversation in truth.Conversations)
        {
            foreach (var dialog in conversation.Dialogs)
            {
                expectedStreams.Add(dialog.DialogId);
                archived.TryGetValue(dialog.DialogId, out var stored);
                stored ??= [];
                var bySequence = stored.ToDictionary(e => e.Position);
                foreach (var expected in dialog.Events)
                {
                    var sequence = expected.GetProperty("sequence").GetInt64();
                    if (!bySequence.Remove(sequence, out var actual))
                        differences.Add($"missing {dialog.DialogId}#{sequence}");
                    else if (!string.Equals(actual.Body, expected.GetRawText(), StringComparison.Ordinal))
                        differences.Add($"different {dialog.DialogId}#{sequence}: archived {actual.Body} emitted {expected.GetRawText()}"); // byte for byte
                }
                foreach (var extra in bySequence.Keys)
                    differences.Add($"extra {dialog.DialogId}#{extra}");
            }

            var stream = "conversation:" + conversation.ConversationId;
            expectedStreams.Add(stream);
            // Hostile states (docs/simulator.md) were emitted too, once, outside the conversation's versions.
            var hostileStates = truth.Hostile.Where(h => h.Kind == "state").Select(h => h.Text).ToHashSet(StringComparer.Ordinal);
            var observed = (archived.GetValueOrDefault(stream) ?? []).Where(e => e.Type == "ConversationObserved" && !hostileStates.Contains(e.Body))
                .Select(e => Parse(e.Body).GetProperty("result")).ToList();
            foreach (var state in observed)
            {
                if (!conversation.States.Any(s => Same(s, state)))
                    differences.Add($"conversation {conversation.ConversationId}: an archived state was never emitted: {state.GetRawText()}");
            }
            if (conversation.States.Count > 0 && !observed.Any(s => Same(s, conversation.States[^1])))
                differences.Add($"conversation {conversation.ConversationId}: its latest state is not archived");
        }

        foreach (var stream in archived.Keys.Where(s => !expectedStreams.Contains(s) && !s.StartsWith("chatstate:", StringComparison.Ordinal)
                     && !s.StartsWith("unrecognised:", StringComparison.Ordinal) && !s.StartsWith("agent:", StringComparison.Ordinal)
                     && !s.StartsWith("admin:", StringComparison.Ordinal)))
            differences.Add($"unexpected stream {stream} ({archived[stream].Count} events)");
        return differences;
    }

    /// <summary>The exact text of every hostile state the simulator sent (docs/simulator.md): emitted, but outside the versions.</summary>
    private static HashSet<string> HostileStates(GroundTruth truth) =>
        truth.Hostile.Where(h => h.Kind == "state" && h.Text is not null).Select(h => h.Text!).ToHashSet(StringComparer.Ordinal);

    /// <summary>The version given to an observation of a hostile state: emitted, archived, but no version of the conversation.</summary>
    private const int HostileVersion = -2;

    /// <summary>An archived fact: what it says, and which emitted version its observation is (-1: none known; -2: a hostile state).</summary>
    private sealed record ArchivedFact(Fact Fact, int Version, string Observation, string? ConversationId);

    private static List<string> FactDifferences(TrueConversation conversation, List<Stored> stream, FactCheck mode, HashSet<string> hostileStates)
    {
        var id = conversation.ConversationId;
        var versions = conversation.States.Select(TrueState.Read).ToList();

        // Each archived observation → the emitted version it is (states are told apart by their JSON; each version has
        // its own metaDataLastUpdateTs), and each fact → the version of the observation it names.
        var observationVersion = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new List<int>();
        var archivedFacts = new List<ArchivedFact>();
        var differences = new List<string>();
        foreach (var e in stream)
        {
            var body = Parse(e.Body);
            if (e.Type == "ConversationObserved")
            {
                var result = body.TryGetProperty("result", out var r) ? r : default;
                var version = hostileStates.Contains(e.Body) ? HostileVersion : IndexOf(conversation.States, result);
                seen.Add(version);
                if (e.DedupeKey is not null)
                    observationVersion.TryAdd(e.DedupeKey, version);
                continue;
            }
            if (Fact.FromBody(e.Type, body) is not { } fact)
            {
                differences.Add($"conversation {id}: an event of unknown type {e.Type} at position {e.Position}");
                continue;
            }
            var observation = body.TryGetProperty("observation", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString()! : "";
            var conversationId = body.TryGetProperty("conversationId", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            archivedFacts.Add(new ArchivedFact(fact, observationVersion.GetValueOrDefault(observation, -1), observation, conversationId));
        }
        foreach (var wrong in archivedFacts.Where(f => f.ConversationId != id))
            differences.Add($"conversation {id}: {wrong.Fact} names conversation {wrong.ConversationId ?? "null"}");

        var exact = mode switch
        {
            FactCheck.Exact => true,
            FactCheck.Invariants => false,
            _ => seen.SequenceEqual(Enumerable.Range(0, versions.Count)),
        };
        if (exact)
            differences.AddRange(Exactly(id, versions, seen, archivedFacts));
        else
            differences.AddRange(Invariants(id, versions, seen, archivedFacts));
        return differences;
    }

    private static IEnumerable<string> Exactly(string id, List<TrueState> versions, List<int> seen, List<ArchivedFact> archived)
    {
        string From(int version) => version < 0 ? "an observation that is no emitted version" : $"state {version + 1}/{versions.Count}";

        foreach (var missed in Enumerable.Range(0, versions.Count).Except(seen))
            yield return $"conversation {id}: state {missed + 1}/{versions.Count} (metaDataLastUpdateTs {versions[missed].LastUpdateTs}) was never archived";

        var expected = ExpectedFacts.Of(versions).SelectMany((facts, version) => facts.Select(f => (Version: version, Fact: f)))
            .GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        var actual = archived.GroupBy(a => (a.Version, a.Fact)).ToDictionary(g => g.Key, g => g.Count());
        // In the order the versions were emitted, so a run of differences reads as the conversation's story.
        foreach (var key in expected.Keys.Union(actual.Keys).OrderBy(k => k.Version).ThenBy(k => k.Fact.Type, StringComparer.Ordinal))
        {
            var want = expected.GetValueOrDefault(key);
            var have = actual.GetValueOrDefault(key);
            if (want == have)
                continue;
            yield return have == 0 ? $"conversation {id}: missing {key.Fact} from {From(key.Version)}"
                : want == 0 ? $"conversation {id}: extra {(have > 1 ? $"{have}× " : "")}{key.Fact} from {From(key.Version)}"
                : $"conversation {id}: {key.Fact} from {From(key.Version)} archived {have}× (expected {want}×)";
        }
    }

    private static List<string> Invariants(string id, List<TrueState> versions, List<int> seen, List<ArchivedFact> archived)
    {
        var differences = new List<string>();
        foreach (var unknown in archived.Where(a => a.Version == -1))
            differences.Add($"conversation {id}: {unknown.Fact} names an observation that is no archived emitted state ({unknown.Observation})");

        var opened = archived.Count(a => a.Fact.Type == "ConversationOpened");
        if (seen.Count > 0 && opened != 1)
            differences.Add($"conversation {id}: opened {opened}× (expected once)");
        var closed = archived.Count(a => a.Fact.Type == "ConversationClosed");
        if (closed > 1)
            differences.Add($"conversation {id}: closed {closed}× (at most once)");

        var present = new HashSet<TrueParticipant>();
        var dialogsOpened = new Dictionary<string, int>(StringComparer.Ordinal);
        var dialogsClosed = new Dictionary<string, int>(StringComparer.Ordinal);
        string? lastCsat = null, lastTtr = null;
        foreach (var a in archived)
        {
            var fields = a.Fact;
            switch (a.Fact.Type)
            {
                case "ParticipantJoined" when !present.Add(new TrueParticipant(fields["participantId"], fields["role"])):
                    differences.Add($"conversation {id}: {a.Fact} joined again without having left");
                    break;
                case "ParticipantLeft" when !present.Remove(new TrueParticipant(fields["participantId"], fields["role"])):
                    differences.Add($"conversation {id}: {a.Fact} left without being present");
                    break;
                case "DialogOpened":
                    dialogsOpened[fields["dialogId"]] = dialogsOpened.GetValueOrDefault(fields["dialogId"]) + 1;
                    break;
                case "DialogClosed":
                    dialogsClosed[fields["dialogId"]] = dialogsClosed.GetValueOrDefault(fields["dialogId"]) + 1;
                    if (!dialogsOpened.ContainsKey(fields["dialogId"]))
                        differences.Add($"conversation {id}: {a.Fact} before the dialog was opened");
                    break;
                case "CsatSubmitted":
                    lastCsat = $"{fields["rate"]}/{fields["resolutionConfirmation"]}/{fields["status"]}";
                    break;
                case "TtrChanged":
                    lastTtr = $"{fields["ttrType"]}/{fields["value"]}";
                    break;
            }
        }
        foreach (var (dialog, count) in dialogsOpened.Where(d => d.Value > 1))
            differences.Add($"conversation {id}: dialog {dialog} opened {count}× (at most once)");
        foreach (var (dialog, count) in dialogsClosed.Where(d => d.Value > 1))
            differences.Add($"conversation {id}: dialog {dialog} closed {count}× (at most once)");

        // What the latest state says must be what the facts add up to, however the worker got there (only when the
        // latest state is archived: that it is not is reported as a difference of its own).
        if (versions.Count == 0 || !seen.Contains(versions.Count - 1))
            return differences;
        var latest = versions[^1];
        var expectedPresent = latest.Participants.ToHashSet();
        if (!present.SetEquals(expectedPresent))
        {
            differences.Add($"conversation {id}: after the last fact the participants are [{string.Join(", ", present.Select(p => $"{p.Role} {p.Id}").Order(StringComparer.Ordinal))}]"
                            + $", the latest state has [{string.Join(", ", expectedPresent.Select(p => $"{p.Role} {p.Id}").Order(StringComparer.Ordinal))}]");
        }
        if (latest.State == "CLOSE" && closed != 1)
            differences.Add($"conversation {id}: its latest state is CLOSE but it was closed {closed}×");
        if (latest.State != "CLOSE" && closed != 0)
            differences.Add($"conversation {id}: its latest state is {latest.State} but it was closed {closed}×");
        foreach (var dialog in latest.Dialogs)
        {
            if (dialogsOpened.GetValueOrDefault(dialog.DialogId) != 1)
                differences.Add($"conversation {id}: dialog {dialog.DialogId} of the latest state was opened {dialogsOpened.GetValueOrDefault(dialog.DialogId)}×");
            if (dialog.State == "CLOSE" && dialogsClosed.GetValueOrDefault(dialog.DialogId) != 1)
                differences.Add($"conversation {id}: dialog {dialog.DialogId} is CLOSE in the latest state but was closed {dialogsClosed.GetValueOrDefault(dialog.DialogId)}×");
        }
        if (latest.Csat is { } csat && lastCsat != $"{Fact.Text(csat.Rate)}/{Fact.Text(csat.Resolution)}/{Fact.Text(csat.Status)}")
            differences.Add($"conversation {id}: the last CsatSubmitted says {lastCsat ?? "nothing"}, the latest state {Fact.Text(csat.Rate)}/{Fact.Text(csat.Resolution)}/{Fact.Text(csat.Status)}");
        if (latest.Ttr is { } ttr && lastTtr != $"{Fact.Text(ttr.Type)}/{Fact.Text(ttr.Value)}")
            differences.Add($"conversation {id}: the last TtrChanged says {lastTtr ?? "nothing"}, the latest state {Fact.Text(ttr.Type)}/{Fact.Text(ttr.Value)}");
        return differences;
    }

    private static int IndexOf(IReadOnlyList<JsonElement> states, JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object)
            return -1;
        for (var i = 0; i < states.Count; i++)
        {
            if (Same(states[i], result))
                return i;
        }
        return -1;
    }

    /// <summary>
    /// Equal JSON values. States may hold escaped lone surrogates (a hostile message is the state's last content event),
    /// which System.Text.Json refuses to unescape while comparing: then their exact text decides.
    /// </summary>
    private static bool Same(JsonElement a, JsonElement b)
    {
        try
        {
            return JsonElement.DeepEquals(a, b);
        }
        catch (InvalidOperationException)
        {
            return string.Equals(a.GetRawText(), b.GetRawText(), StringComparison.Ordinal);
        }
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json, GroundTruth.Options);
        return document.RootElement.Clone();
    }

    private sealed record Stored(long Position, string Type, string Body, string? DedupeKey);

    private static async Task<Dictionary<string, List<Stored>>> ReadAsync(NpgsqlDataSource archive)
    {
        var streams = new Dictionary<string, List<Stored>>(StringComparer.Ordinal);
        await using var command = archive.CreateCommand("SELECT stream_id, position, type, body::text, dedupe_key FROM archive.events ORDER BY stream_id, position");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var stream = reader.GetString(0);
            if (!streams.TryGetValue(stream, out var list))
                streams[stream] = list = [];
            list.Add(new Stored(reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return streams;
    }
}
