using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Archiver.Worker.Hosting;

/// <summary>
/// The one way options are registered: bound from their section, checked by their <see cref="IValidateOptions{T}"/> class
/// at start (each error naming the key to fix, never a secret value), and read nowhere else but through the options.
/// </summary>
public static class OptionsRegistration
{
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>
    /// The same registration for options the host's shape depends on before its services exist (which listeners, which
    /// sign-in schemes, which middleware): the section is bound once, checked by the same validator at once, and that
    /// very instance is what <see cref="IOptions{TOptions}"/> gives everyone afterwards. Nothing reads the section again.
    /// </summary>
    public static TOptions AddValidatedOptionsNow<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class, new()
        where TValidator : class, IValidateOptions<TOptions>, new()
    {
        var options = configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
        var result = new TValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), result.Failures);
        services.AddSingleton<IOptions<TOptions>>(Options.Create(options));
        return options;
    }
}
