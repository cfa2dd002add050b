using System.Text;
using Archiver.Domain.Protocol;

namespace Archiver.Domain.Tests.Fuzz;

/// <summary>
/// The pure layer's promise, tried on 100,000 frames mutated from the protocol samples with a fixed seed: nothing in a
/// frame makes it throw, and everything it produces can be stored (see <see cref="PipelineProbe"/> for the invariants).
/// A failure names each distinct problem with the smallest frame found that shows it.
/// </summary>
public sealed class PipelineFuzzTests
{
    private const int Seed = 20_240_601;
    private const int MutatedFrames = 100_000;
    private const string Consumer = "fuzz";

    [Fact]
    public void A_hundred_thousand_mutated_sample_frames_go_through_parse_map_and_fold_without_an_exception_or_a_broken_invariant()
    {
        var seeds = FuzzSeeds.Load();
        var previousStates = seeds.Where(s => s.Previous is not null).ToList();
        var random = new Random(Seed);
        var mutator = new Mutator(random);
        var probe = new PipelineProbe(Consumer);
        var failures = new Dictionary<string, Failure>(StringComparer.Ordinal);
        var mutations = 0;

        for (var n = 0; n < MutatedFrames; n++)
        {
            var seed = seeds[random.Next(seeds.Count)];
            var tree = seed.Frame.Clone();
            var count = random.Next(10) switch { < 5 => 1, < 8 => 2, _ => 3 + random.Next(4) };
            for (var m = 0; m < count; m++)
                tree = mutator.Mutate(tree);
            var bytes = Encoding.UTF8.GetBytes(tree.Text(random.Next(4) == 0 ? random : null));
            var damaged = random.Next(16) == 0;
            if (damaged)
                bytes = mutator.MutateBytes(bytes);
            mutations += count + (damaged ? 1 : 0);

            var previous = random.Next(2) == 0 ? seed.Previous : previousStates[random.Next(previousStates.Count)].Previous;
            foreach (var finding in probe.Run(bytes, previous))
            {
                if (!failures.TryGetValue(finding.Signature, out var failure))
                    failures[finding.Signature] = failure = new Failure(finding);
                failure.Count++;
                if (failure.Bytes is null || bytes.Length < failure.Bytes.Length)
                    (failure.Bytes, failure.Tree, failure.Previous, failure.Finding) = (bytes, damaged ? null : tree, previous, finding);
            }
        }

        Assert.Equal(MutatedFrames, probe.Tally.Frames);
        Assert.True(mutations >= 100_000, $"only {mutations} mutations exercised");
        AssertThePipelineWasExercised(probe.Tally);
        // Observations (a well-formed frame rejected as "not JSON" because of a key of the frame itself) are a
        // rejection, which the parser may give; they are listed only beside a broken promise.
        Assert.True(failures.Values.All(f => f.Finding.Observation), Report(failures.Values, previousStates));
    }

    /// <summary>A fuzz that only ever reached rejections would prove nothing: each fold must have produced rows.</summary>
    private static void AssertThePipelineWasExercised(Tally tally)
    {
        Assert.True(tally.Rejections < tally.Frames / 2, $"{tally.Rejections} of {tally.Frames} frames rejected");
        Assert.True(tally.Events > tally.Frames, $"only {tally.Events} events folded");
        Assert.True(tally.Unmapped > 1_000, $"only {tally.Unmapped} UnmappedChange events");
        foreach (var (fold, least) in new[]
        {
            ("TranscriptFold.Message", 10_000), ("TranscriptFold.Dialog", 1_000), ("ReadModelFold.Receipts", 1_000), ("ReadModelFold.Conversation", 5_000),
            ("ReadModelFold.Csat", 300), ("ReadModelFold.Participant", 3_000), ("ReadModelFold.SurveyAnswer", 300),
        })
        {
            Assert.True(tally.Rows.GetValueOrDefault(fold) >= least, $"{fold} produced only {tally.Rows.GetValueOrDefault(fold)} rows");
        }
    }

    private sealed class Failure(Finding finding)
    {
        public Finding Finding { get; set; } = finding;

        public int Count { get; set; }

        public byte[]? Bytes { get; set; }

        public RawJson? Tree { get; set; }

        public ConversationSnapshot? Previous { get; set; }
    }

    private static string Report(IEnumerable<Failure> failures, IReadOnlyList<FuzzSeed> previousStates)
    {
        var report = new StringBuilder("The pure layer broke its promise on mutated frames:");
        foreach (var failure in failures.OrderBy(f => f.Finding.Observation).ThenBy(f => f.Finding.Signature, StringComparer.Ordinal))
        {
            // A frame damaged byte by byte is minimised too when it is still JSON.
            var tree = failure.Tree ?? RawJson.TryParse(failure.Bytes!);
            var minimal = tree is null ? Encoding.UTF8.GetString(failure.Bytes!) : Minimize(tree, failure.Finding.Likeness, failure.Previous).Text();
            report.Append("\n\n").Append(failure.Finding.Observation ? "(observation) " : "").Append(failure.Count).Append(" × ").Append(failure.Finding.Signature)
                .Append("\n  e.g.: ").Append(failure.Finding.Detail)
                .Append("\n  previous state: ").Append(failure.Previous is null ? "none" : $"that of seed \"{previousStates.First(s => ReferenceEquals(s.Previous, failure.Previous)).Name}\"")
                .Append("\n  smallest frame: ").Append(minimal.Length <= 1_500 ? minimal : minimal[..1_500] + $"… ({minimal.Length} characters)");
        }
        return report.ToString();
    }

    /// <summary>Greedily drops members and items, and shortens values, while the frame still shows the same problem.</summary>
    private static RawJson Minimize(RawJson tree, string likeness, ConversationSnapshot? previous)
    {
        var probe = new PipelineProbe(Consumer);
        var budget = 3_000;
        bool Fails(RawJson candidate) =>
            --budget >= 0 && probe.Run(Encoding.UTF8.GetBytes(candidate.Text()), previous).Any(f => f.Likeness == likeness);

        var (at, progress) = (0, false);
        while (budget > 0)
        {
            var slots = new List<Mutator.Slot>();
            Mutator.Collect(tree, [], slots);
            if (at >= slots.Count)
            {
                if (!progress)
                    break;
                (at, progress) = (0, false);
                continue;
            }
            var slot = slots[at];
            var removed = tree.Clone();
            Mutator.RemoveAt(removed, slot.Path!);
            RawJson[] candidates =
            [
                removed,
                .. ((string[])["0", "\"x\"", "{}"])
                    .Where(shorter => slot.Value is not RawToken token || token.Token.Length > shorter.Length)
                    .Select(shorter => Mutator.ReplaceAt(tree.Clone(), slot.Path!, new RawToken(shorter))),
            ];
            var smaller = candidates.FirstOrDefault(Fails);
            if (smaller is null)
                at++;
            else
                (tree, progress) = (smaller, true); // the slot at the same index is now another value: try it next
        }
        return tree;
    }
}
