using Microsoft.Extensions.Options;

namespace Archiver.Worker.Store.Checkpoints;

/// <summary>Section <c>Integrity</c> checked at start: a signing key that is a P-256 private key, and where its checkpoints go.</summary>
public sealed class IntegrityOptionsValidator : IValidateOptions<IntegrityOptions>
{
    public ValidateOptionsResult Validate(string? name, IntegrityOptions options)
    {
        if (options.CheckpointIntervalSeconds is < 10 or > 86_400)
            return ValidateOptionsResult.Fail($"Integrity__CheckpointIntervalSeconds must be between 10 and 86400, not {options.CheckpointIntervalSeconds}.");
        if (string.IsNullOrWhiteSpace(options.SigningKeyFile))
            return ValidateOptionsResult.Success;
        if (string.IsNullOrWhiteSpace(options.CheckpointDirectory))
            return ValidateOptionsResult.Fail("Integrity__CheckpointDirectory must be set with Integrity__SigningKeyFile: the checkpoint files are the anchor.");
        try
        {
            using var key = CheckpointKey.LoadPrivate(options.SigningKeyFile, "Integrity__SigningKeyFile");
        }
        catch (InvalidOperationException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
        return ValidateOptionsResult.Success;
    }
}
