using System.CommandLine;
using Archiver.Worker.Store.Checkpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Cli;

internal static class CheckpointCommand
{
    public static Command Create()
    {
        var command = new Command("checkpoint",
            "Take a signed checkpoint now (Integrity__SigningKeyFile, Integrity__CheckpointDirectory): the log head, the Merkle root of every " +
            "stream's head, the conflicts' and rejections' digests, signed, appended to archive.checkpoints and written as a file.");
        command.SetAction((_, cancellationToken) => CliAction.RunAsync("checkpoint", async ct =>
        {
            await using var services = CliServices.Build();
            var integrity = services.GetRequiredService<IOptions<IntegrityOptions>>().Value; // a bad key is named here
            var checkpoint = await services.GetRequiredService<Checkpointer>().TakeAsync(ct);
            var directory = integrity.CheckpointDirectory!;
            Console.WriteLine($"checkpoint {checkpoint.Number} signed with key {checkpoint.KeyId}: {Path.Combine(directory, SignedCheckpoint.FileName(checkpoint.Number))}");
            return CliAction.Success;
        }, cancellationToken));
        return command;
    }
}
