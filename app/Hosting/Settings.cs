using Microsoft.Extensions.Options;

namespace SpecEditor.Hosting;

/// <summary>
/// Settings bound from environment variables. Each class checks itself and returns one line per bad setting,
/// naming the variable, so startup can stop with a message people can act on.
/// </summary>
public interface ISettings
{
    IEnumerable<string> Validate();
}

internal sealed class SettingsValidator<T> : IValidateOptions<T>
    where T : class, ISettings
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var failures = options.Validate().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class SettingsRegistration
{
    /// <summary>Binds <typeparamref name="T"/> from configuration (environment variables, by their <c>ConfigurationKeyName</c>) and validates it at startup.</summary>
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, IConfiguration configuration)
        where T : class, ISettings
    {
        services.AddSingleton<IValidateOptions<T>, SettingsValidator<T>>();
        return services.AddOptions<T>().Bind(configuration).ValidateOnStart();
    }
}
