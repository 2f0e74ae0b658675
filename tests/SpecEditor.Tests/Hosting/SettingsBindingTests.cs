using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SpecEditor.Hosting;

namespace SpecEditor.Tests.Hosting;

/// <summary>
/// Settings bind through the configuration-binding source generator (Native AOT has no reflection binder): every
/// environment variable a settings class names must still reach its property, and unset ones keep their defaults.
/// </summary>
public sealed class SettingsBindingTests
{
    public static TheoryData<Type> SettingsTypes() =>
        [.. typeof(ISettings).Assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(ISettings).IsAssignableFrom(t)).OrderBy(t => t.FullName)];

    [Theory]
    [MemberData(nameof(SettingsTypes))]
    public void Every_variable_a_settings_class_names_is_bound_to_its_property(Type settingsType)
    {
        var properties = KeyedProperties(settingsType);
        Assert.NotEmpty(properties);
        var values = properties.ToDictionary(p => p.Key, p => (string?)$"value of {p.Key} → 'é'");

        var settings = Bind(settingsType, values);

        foreach (var (key, property) in properties)
        {
            Assert.Equal(values[key], property.GetValue(settings));
        }
    }

    [Theory]
    [MemberData(nameof(SettingsTypes))]
    public void Unset_and_null_variables_keep_the_defaults(Type settingsType)
    {
        var properties = KeyedProperties(settingsType);
        var defaults = Activator.CreateInstance(settingsType)!;

        var unset = Bind(settingsType, new Dictionary<string, string?>());
        var nulls = Bind(settingsType, properties.ToDictionary(p => p.Key, _ => (string?)null));

        foreach (var (_, property) in properties)
        {
            Assert.Equal(property.GetValue(defaults), property.GetValue(unset));
            Assert.Equal(property.GetValue(defaults), property.GetValue(nulls));
        }
    }

    [Fact]
    public void An_empty_variable_is_bound_as_empty_and_names_that_differ_only_in_case_still_bind()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["public_url"] = "", ["port"] = "8080" }).Build();

        var settings = new HostingSettings();
        HostingSettings.Bind(configuration, settings);

        Assert.Equal("", settings.PublicUrl);
        Assert.Equal("8080", settings.Port);
    }

    [Fact]
    public void Options_and_the_startup_check_read_the_same_values()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["PORT"] = "8080", ["DATA_DIR"] = "relative" }).Build();
        var services = new ServiceCollection().AddSettings<HostingSettings>(configuration);

        var error = Assert.Throws<InvalidSettingsException>(() => SettingsRegistration.ThrowIfInvalid(services, configuration));
        using var provider = services.BuildServiceProvider();

        Assert.Equal(["DATA_DIR: 'relative' must be an absolute path"], error.Failures);
        Assert.Equal("8080", provider.GetRequiredService<IOptions<HostingSettings>>().Value.Port);
    }

    private static Dictionary<string, PropertyInfo> KeyedProperties(Type settingsType) => settingsType.GetProperties()
        .Where(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>() is not null)
        .ToDictionary(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()!.Name);

    /// <summary>Through the class's own <c>Bind</c>, the generated code the app uses.</summary>
    private static object Bind(Type settingsType, Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var settings = Activator.CreateInstance(settingsType)!;
        settingsType.GetMethod("Bind", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [configuration, settings]);
        return settings;
    }
}
