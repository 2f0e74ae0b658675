namespace SpecEditor.Hosting;

/// <summary>
/// Settings bound from environment variables. Each class checks itself and returns one line per bad setting,
/// naming the variable, so startup can stop with a message people can act on.
/// </summary>
public interface ISettings
{
    IEnumerable<string> Validate();
}

/// <summary>
/// Settings that bind themselves from configuration (environment variables, by their <c>ConfigurationKeyName</c>).
/// Each class implements <see cref="Bind"/> with a <c>configuration.Bind(settings)</c> call on its own type, which the
/// configuration-binding source generator replaces with generated code: it cannot for a generic <c>T</c>, and Native AOT
/// has no reflection-based binder to fall back on.
/// </summary>
public interface ISettings<TSelf> : ISettings
    where TSelf : class, ISettings<TSelf>, new()
{
    static abstract void Bind(IConfiguration configuration, TSelf settings);
}

/// <summary>All bad settings found before the app was built, one line each.</summary>
public sealed class InvalidSettingsException(IReadOnlyList<string> failures)
    : Exception(string.Join(Environment.NewLine, failures))
{
    public IReadOnlyList<string> Failures { get; } = failures;
}

public static class SettingsRegistration
{
    /// <summary>Binds <typeparamref name="T"/> from configuration for <c>IOptions&lt;T&gt;</c>; <see cref="ThrowIfInvalid"/> checks it.</summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, IConfiguration configuration)
        where T : class, ISettings<T>, new()
    {
        services.AddSingleton(new SettingsBinding(typeof(T), Bind<T>));
        services.AddOptions<T>().Configure(settings => T.Bind(configuration, settings));
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
            .OfType<SettingsBinding>()
            .DistinctBy(binding => binding.Type)
            .SelectMany(binding => binding.Bind(configuration).Validate())
            .Distinct()
            .ToList();
        if (failures.Count > 0)
        {
            throw new InvalidSettingsException(failures);
        }
    }

    private static T Bind<T>(IConfiguration configuration)
        where T : class, ISettings<T>, new()
    {
        var settings = new T();
        T.Bind(configuration, settings);
        return settings;
    }

    private sealed record SettingsBinding(Type Type, Func<IConfiguration, ISettings> Bind);
}
