using System.Diagnostics.CodeAnalysis;

namespace SpecEditor.Hosting;

/// <summary>
/// Settings bound from environment variables. Each class checks itself and returns one line per bad setting,
/// naming the variable, so startup can stop with a message people can act on.
/// </summary>
public interface ISettings
{
    IEnumerable<string> Validate();
}

/// <summary>All bad settings found before the app was built, one line each.</summary>
public sealed class InvalidSettingsException(IReadOnlyList<string> failures)
    : Exception(string.Join(Environment.NewLine, failures))
{
    public IReadOnlyList<string> Failures { get; } = failures;
}

public static class SettingsRegistration
{
    /// <summary>Binds <typeparamref name="T"/> from configuration (environment variables, by their <c>ConfigurationKeyName</c>); <see cref="ThrowIfInvalid"/> checks it.</summary>
    public static IServiceCollection AddSettings<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(this IServiceCollection services, IConfiguration configuration)
        where T : class, ISettings, new()
    {
        services.AddSingleton(new SettingsType(typeof(T)));
        services.AddOptions<T>().Bind(configuration);
        return services;
    }

    /// <summary>
    /// Checks every registered settings class against the configuration before anything is built or started,
    /// so all bad settings are reported together, whatever would have read them first.
    /// </summary>
    public static void ThrowIfInvalid(IServiceCollection services, IConfiguration configuration)
    {
        var failures = services
            .Select(descriptor => descriptor.ImplementationInstance)
            .OfType<SettingsType>()
            .Select(settings => settings.Type)
            .Distinct()
            .SelectMany(type => ((ISettings)(configuration.Get(type) ?? Activator.CreateInstance(type)!)).Validate())
            .Distinct()
            .ToList();
        if (failures.Count > 0)
        {
            throw new InvalidSettingsException(failures);
        }
    }

    private sealed record SettingsType(Type Type);
}
