using System.CommandLine;
using Archiver.Worker.Store.Checkpoints;
using Archiver.Worker.Store.Verification;
using Microsoft.Extensions.DependencyInjection;

namespace Archiver.Worker.Cli;

internal static class VerifyCommand
{
    public const int TamperingFound = 2;

    public static Command Create()
    {
        var checkpoints = new Option<string?>("--checkpoints")
        {
            Description = "A directory of checkpoint files (Integrity__CheckpointDirectory): check the database against every one of them.",
        };
        var publicKey = new Option<string?>("--public-key") { Description = "PEM file of the checkpoint key's public half (SubjectPublicKeyInfo)." };
        var command = new Command("verify",
            "Walk every stream's hash chain and name each (stream, position) whose content, order or chain no longer matches; with " +
            "--checkpoints and --public-key, also check the signed checkpoints and the database against each (a truncated log, a stream " +
            "removed, events rewritten with their chain, conflicts or rejections changed, the checkpoint table rewritten). Exit code 2 " +
            "when anything is found.") { checkpoints, publicKey };
        command.SetAction((parse, cancellationToken) => CliAction.RunAsync("verify", async ct =>
        {
            var directory = parse.GetValue(checkpoints);
            var keyFile = parse.GetValue(publicKey);
            if ((directory is null) != (keyFile is null))
                throw new InvalidOperationException("--checkpoints and --public-key go together: the files are checked with the key.");
            await using var services = CliServices.Build();
            var progress = Console.IsErrorRedirected ? null : new Progress<long>(n => Console.Error.Write($"\rverified {n:N0} events"));
            var report = await services.GetRequiredService<EventLogVerifier>().VerifyAsync(progress, ct);
            if (progress is not null)
                Console.Error.WriteLine();
            var findings = report.Findings.ToList();
            if (directory is not null)
                findings.AddRange(await services.GetRequiredService<CheckpointVerifier>().VerifyAsync(directory, keyFile!, ct));
            foreach (var finding in findings)
                Console.WriteLine(finding);
            // Not findings: what erasures redacted, each named, and what disposals removed, under their certificates.
            foreach (var redaction in report.Redactions)
                Console.WriteLine($"redacted at ({redaction.StreamId}, {redaction.Position}): under {redaction.Request} (certificate {redaction.Certificate})");
            var against = directory is null ? "" : " and against every checkpoint";
            var lifecycle = report.Certificates == 0 ? "" :
                $"; {report.Redactions.Count} event(s) redacted and {report.Disposed} removed under {report.Certificates} certificate(s)";
            Console.WriteLine(findings.Count == 0
                ? $"intact: {report.EventsChecked} events in {report.StreamsChecked} streams verified{against}{lifecycle}"
                : $"NOT intact: {findings.Count} finding(s) over {report.EventsChecked} events in {report.StreamsChecked} streams");
            return findings.Count == 0 ? CliAction.Success : TamperingFound;
        }, cancellationToken));
        return command;
    }
}
