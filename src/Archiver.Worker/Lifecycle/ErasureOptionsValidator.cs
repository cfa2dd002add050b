using Microsoft.Extensions.Options;

namespace Archiver.Worker.Lifecycle;

/// <summary>Section <c>Erasure</c> checked at start, naming its key.</summary>
public sealed class ErasureOptionsValidator : IValidateOptions<ErasureOptions>
{
    public ValidateOptionsResult Validate(string? name, ErasureOptions options) =>
        options.ParticipantFields.Any(string.IsNullOrWhiteSpace)
            ? ValidateOptionsResult.Fail("Erasure__ParticipantFields has an empty entry: name each personal detail's property.")
            : ValidateOptionsResult.Success;
}
