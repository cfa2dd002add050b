using System.Text.RegularExpressions;
using Archiver.Testing;

namespace Archiver.EndToEnd.Tests.Harness;

/// <summary>
/// For runs without faults, where the worker sees every state version: wait until everything emitted is archived,
/// then hold the derived facts and the participants read model to the ground truth exactly, failing at once with
/// every difference (rather than polling until a timeout, as the facts never change once their states are archived:
/// they are committed in the same transaction).
/// </summary>
public static partial class FactAssertions
{
    /// <summary>Waits until every messaging event and every state version emitted is archived (facts not compared).</summary>
    public static Task EverythingArchivedAsync(this EndToEndRun run, TimeSpan timeout) => Eventually.HoldsAsync(async () =>
    {
        var truth = await run.GroundTruthAsync();
        var differences = await ArchiveComparison.MessagesAndStatesDifferencesAsync(run.Archive, truth, everyState: true);
        return (differences.Count == 0 && truth.MessagingEvents > 0,
            $"{differences.Count} difference(s), first: {string.Join(" | ", differences.Take(5))}; worker output tail: {run.Tail()}");
    }, timeout, "Every messaging event and state version of the ground truth archived");

    /// <summary>
    /// The archive equals the ground truth with its derived facts exactly (<see cref="FactCheck.Exact"/>), and
    /// <c>readmodel.participants</c> and the documented transfer query agree with the ground truth (one assertion, so
    /// that a failure shows both).
    /// </summary>
    public static async Task AssertFactsAndParticipantsExactAsync(this EndToEndRun run, GroundTruth truth)
    {
        var report = await FactsReportAsync(run, truth) + await ParticipantsReportAsync(run, truth);
        Assert.True(report.Length == 0, report);
    }

    /// <summary>Empty when the archive, derived facts held to <see cref="FactCheck.Exact"/>, equals the ground truth; else what differs.</summary>
    public static async Task<string> FactsReportAsync(this EndToEndRun run, GroundTruth truth) =>
        Report("difference(s) between the archive and what the emitted states imply", await ArchiveComparison.DifferencesAsync(run.Archive, truth, FactCheck.Exact));

    /// <summary>
    /// Empty when <c>readmodel.participants</c> holds one row per join and leave the ground truth implies and the
    /// documented transfer query finds exactly the transfers the simulator performed; else what differs.
    /// </summary>
    public static async Task<string> ParticipantsReportAsync(this EndToEndRun run, GroundTruth truth)
    {
        var rows = await ParticipantsComparison.DifferencesAsync(run.Archive, truth);
        var expected = ParticipantsComparison.ExpectedTransfers(truth);
        var documented = await ParticipantsComparison.DocumentedTransfersAsync(run.Archive);
        var transfers = ParticipantsComparison.MultisetDifferences("transfer", expected, documented);
        if (rows.Count == 0 && transfers.Count == 0)
            return "";
        return $"\nThe documented transfer query counts {documented.Count} transfer(s), the simulator performed {expected.Count}."
               + Report("transfer(s) differ", transfers) + Report("readmodel.participants row(s) differ", rows);
    }

    /// <summary>How many differences of each kind, then the first ones.</summary>
    public static string Report(string what, IReadOnlyList<string> differences)
    {
        if (differences.Count == 0)
            return "";
        var kinds = differences.Select(KindOf).GroupBy(k => k).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} × {g.Key}");
        var conversations = differences.Select(d => Conversation().Match(d)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().Count();
        return $"\n{differences.Count} {what}, in {conversations} conversation(s): {string.Join("; ", kinds)}"
               + ExpectedFacts.Describe(differences, 40);
    }

    private static string KindOf(string difference)
    {
        if (Missing().Match(difference) is { Success: true } missing)
            return "missing " + missing.Groups[1].Value;
        if (Extra().Match(difference) is { Success: true } extra)
            return "extra " + extra.Groups[1].Value;
        if (Repeated().Match(difference) is { Success: true } repeated)
            return "repeated " + repeated.Groups[1].Value;
        if (Row().Match(difference) is { Success: true } row)
            return $"{row.Groups[1].Value} {row.Groups[2].Value}";
        return "other";
    }

    [GeneratedRegex(@"^conversation \S+: missing (\w+)\(")]
    private static partial Regex Missing();

    [GeneratedRegex(@"^conversation \S+: extra (?:\d+× )?(\w+)\(")]
    private static partial Regex Extra();

    [GeneratedRegex(@"^conversation \S+: (\w+)\(.*archived \d+×")]
    private static partial Regex Repeated();

    [GeneratedRegex(@"^(missing|extra) (.+?) conversation ")]
    private static partial Regex Row();

    [GeneratedRegex(@"conversation ([^\s:]+)")]
    private static partial Regex Conversation();
}
