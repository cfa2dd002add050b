using Microsoft.Extensions.Options;

namespace Archiver.Worker.Sessions;

/// <summary>Every message names the environment key to fix. Secret values are never repeated.</summary>
public sealed class LivePersonOptionsValidator : IValidateOptions<LivePersonOptions>
{
    public ValidateOptionsResult Validate(string? name, LivePersonOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.AccountId))
            failures.Add("LivePerson__AccountId is not set.");
        if (!Uri.TryCreate(options.CsdsUrl, UriKind.Absolute, out var csds) || csds.Scheme is not ("http" or "https"))
            failures.Add("LivePerson__CsdsUrl is not an absolute http(s) URL.");
        if (options.KeepAliveSeconds is < 1 or > 60)
            failures.Add("LivePerson__KeepAliveSeconds must be between 1 and 60 (the server closes idle connections after 60 s).");
        if (options.RequestTimeoutSeconds is < 1 or > 300)
            failures.Add("LivePerson__RequestTimeoutSeconds must be between 1 and 300.");
        if (options.MaxFrameBytes < 64 * 1024)
            failures.Add("LivePerson__MaxFrameBytes must be at least 65536.");

        foreach (var (service, host) in options.Services)
        {
            if (!ServiceDomains.IsHost(host))
                failures.Add($"LivePerson__Services__{service} is not a host or host:port.");
        }
        var http = options.Http;
        if (http.AttemptTimeoutSeconds is < 1 or > 300)
            failures.Add("LivePerson__Http__AttemptTimeoutSeconds must be between 1 and 300.");
        if (http.TotalTimeoutSeconds < http.AttemptTimeoutSeconds || http.TotalTimeoutSeconds > 3600)
            failures.Add("LivePerson__Http__TotalTimeoutSeconds must be at least LivePerson__Http__AttemptTimeoutSeconds and at most 3600.");
        if (http.MaxRetryAttempts is < 1 or > 10)
            failures.Add("LivePerson__Http__MaxRetryAttempts must be between 1 and 10.");
        if (http.RetryDelayMs is < 0 or > 60_000)
            failures.Add("LivePerson__Http__RetryDelayMs must be between 0 and 60000.");
        if (http.CircuitBreakerFailureRatio is <= 0 or > 1 || double.IsNaN(http.CircuitBreakerFailureRatio))
            failures.Add("LivePerson__Http__CircuitBreakerFailureRatio must be above 0 and at most 1.");
        if (http.CircuitBreakerMinimumThroughput < 2)
            failures.Add("LivePerson__Http__CircuitBreakerMinimumThroughput must be at least 2.");
        if (http.CircuitBreakerSamplingSeconds < 2 * http.AttemptTimeoutSeconds || http.CircuitBreakerSamplingSeconds > 86_400)
            failures.Add("LivePerson__Http__CircuitBreakerSamplingSeconds must be at least twice LivePerson__Http__AttemptTimeoutSeconds and at most 86400.");
        if (http.CircuitBreakerBreakSeconds is < 1 or > 3600)
            failures.Add("LivePerson__Http__CircuitBreakerBreakSeconds must be between 1 and 3600.");

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Consumers.Count; i++)
        {
            var c = options.Consumers[i];
            var key = $"LivePerson__Consumers__{i}__";
            if (string.IsNullOrWhiteSpace(c.Name))
                failures.Add($"{key}Name is not set.");
            else if (!names.Add(c.Name))
                failures.Add($"{key}Name '{c.Name}' is used by two consumers.");
            switch (c.Mode)
            {
                case null:
                    failures.Add($"{key}Mode is not set (Signup, Unauthenticated or Authenticated).");
                    break;
                case IdentityMode.Unauthenticated when string.IsNullOrWhiteSpace(c.ConnectorId):
                    failures.Add($"{key}ConnectorId is required in Unauthenticated mode.");
                    break;
                case IdentityMode.Authenticated when string.IsNullOrWhiteSpace(c.IdToken):
                    if (string.IsNullOrWhiteSpace(c.SigningKeyFile) || string.IsNullOrWhiteSpace(c.ExternalId))
                        failures.Add($"{key}IdToken, or {key}SigningKeyFile with {key}ExternalId, is required in Authenticated mode.");
                    else if (!File.Exists(c.SigningKeyFile))
                        failures.Add($"{key}SigningKeyFile names a file that does not exist.");
                    break;
            }
        }
        if (options.Registry.SigningKeyFile is { } registryKey && (string.IsNullOrWhiteSpace(registryKey) || !File.Exists(registryKey)))
            failures.Add("LivePerson__Registry__SigningKeyFile names a file that does not exist.");
        if (string.IsNullOrWhiteSpace(options.Registry.Issuer))
            failures.Add("LivePerson__Registry__Issuer must not be empty.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
