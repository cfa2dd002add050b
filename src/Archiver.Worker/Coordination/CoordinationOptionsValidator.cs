using Microsoft.Extensions.Options;

namespace Archiver.Worker.Coordination;

/// <summary>Section <c>Coordination</c> checked at start, each error naming its key.</summary>
public sealed class CoordinationOptionsValidator : IValidateOptions<CoordinationOptions>
{
    public ValidateOptionsResult Validate(string? name, CoordinationOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.WorkerId))
            errors.Add("Coordination__WorkerId must not be empty.");
        if (options.LeaseSeconds is < 3 or > 600)
            errors.Add($"Coordination__LeaseSeconds must be between 3 and 600, not {options.LeaseSeconds}.");
        if (options.HeartbeatSeconds is < 1 or > 300)
            errors.Add($"Coordination__HeartbeatSeconds must be between 1 and 300, not {options.HeartbeatSeconds}.");
        // A lease is renewed at least twice before it could lapse: one missed heartbeat does not lose it.
        if (options.HeartbeatSeconds * 2 > options.LeaseSeconds)
            errors.Add("Coordination__HeartbeatSeconds must be at most half of Coordination__LeaseSeconds.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
