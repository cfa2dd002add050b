using System.Net;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Observability;

/// <summary>Section <c>Observability</c> checked at start, each error naming its key.</summary>
public sealed class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>
{
    public ValidateOptionsResult Validate(string? name, ObservabilityOptions options)
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(options.Address, out _))
            errors.Add("Observability__Address is not an IP address (e.g. 127.0.0.1 or 0.0.0.0).");
        if (options.Port is < 0 or > 65535)
            errors.Add($"Observability__Port must be between 0 (an ephemeral port) and 65535, not {options.Port}.");
        if (options.MaxIngestionLagSeconds is < 1 or > 3600)
            errors.Add($"Observability__MaxIngestionLagSeconds must be between 1 and 3600, not {options.MaxIngestionLagSeconds}.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
