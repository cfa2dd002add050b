using Microsoft.Extensions.Options;

namespace Archiver.Worker.Ingestion;

/// <summary>Section <c>Ingestion</c> checked at start, each error naming its key.</summary>
public sealed class IngestionOptionsValidator : IValidateOptions<IngestionOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestionOptions options)
    {
        var errors = new List<string>();
        if (options.ChannelCapacity is < 1 or > 1_000_000)
            errors.Add($"Ingestion__ChannelCapacity must be between 1 and 1000000, not {options.ChannelCapacity}.");
        if (options.MaxBatchEvents is < 1 or > 100_000)
            errors.Add($"Ingestion__MaxBatchEvents must be between 1 and 100000, not {options.MaxBatchEvents}.");
        if (options.MaxBatchDelayMs is < 0 or > 10_000)
            errors.Add($"Ingestion__MaxBatchDelayMs must be between 0 and 10000, not {options.MaxBatchDelayMs}.");
        if (options.MaxTrackedConversations is < 100 or > 10_000_000)
            errors.Add($"Ingestion__MaxTrackedConversations must be between 100 and 10000000, not {options.MaxTrackedConversations}.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
