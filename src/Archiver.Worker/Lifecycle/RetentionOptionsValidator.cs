using Microsoft.Extensions.Options;

namespace Archiver.Worker.Lifecycle;

/// <summary>Section <c>Retention</c> checked at start, each error naming its key.</summary>
public sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    private static readonly string[] Modes = ["Signup", "Unauthenticated", "Authenticated"];

    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var rule = options.Rules[i];
            var key = $"Retention__Rules__{i}";
            if (string.IsNullOrWhiteSpace(rule.Name))
                errors.Add($"{key}__Name is required.");
            else if (!names.Add(rule.Name))
                errors.Add($"{key}__Name: another rule is already named '{rule.Name}'.");
            if (rule.Days < 1 || rule.Days > 36_500)
                errors.Add($"{key}__Days must be between 1 and 36500 (days kept after the conversation's end), not {rule.Days}.");
            foreach (var mode in rule.ConsumerModes.Where(m => !Modes.Contains(m, StringComparer.OrdinalIgnoreCase)))
                errors.Add($"{key}__ConsumerModes: '{mode}' is not a consumer mode (Signup, Unauthenticated, Authenticated).");
            if (rule.Skills.Any(string.IsNullOrWhiteSpace) || rule.Brands.Any(string.IsNullOrWhiteSpace))
                errors.Add($"{key}: an empty skill or brand.");
        }
        if (options.RunEveryHours is < 0 or > 24 * 366)
            errors.Add($"Retention__RunEveryHours must be between 0 (never) and 8784, not {options.RunEveryHours}.");
        if (options.RunEveryHours > 0 && options.Rules.Count == 0)
            errors.Add("Retention__RunEveryHours is set but there are no Retention__Rules: nothing would ever be disposed of.");
        if (options.RunEveryHours > 0 && string.IsNullOrWhiteSpace(options.LifecycleConnectionString))
            errors.Add("Retention__RunEveryHours needs ConnectionStrings__Lifecycle: disposal runs as the tables' owner, never as the worker's login.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
