using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using SpecEditor.Hosting;

namespace SpecEditor.Container.Tests;

/// <summary>app/.env.example is the reference for running the image: every variable the app or compose.yaml reads is in it.</summary>
public sealed partial class DocumentationTests
{
    private static readonly string Root = RepositoryRoot.Path;

    [Fact]
    public void Every_app_setting_is_documented_in_the_env_example()
    {
        var settings = typeof(ISettings).Assembly.GetTypes()
            .Where(t => typeof(ISettings).IsAssignableFrom(t) && t.IsClass)
            .SelectMany(t => t.GetProperties())
            .Select(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name)
            .OfType<string>()
            .ToHashSet();
        Assert.Contains("GH_REPO", settings); // the reflection found the settings classes

        Assert.Empty(settings.Except(Documented()).Order());
    }

    [Fact]
    public void Every_compose_variable_is_documented_in_the_env_example()
    {
        var compose = File.ReadAllText(Path.Combine(Root, "app", "compose.yaml"));
        var variables = ComposeVariable().Matches(compose).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Contains("SPEC_EDITOR_IMAGE", variables);

        Assert.Empty(variables.Except(Documented()).Order());
    }

    private static HashSet<string> Documented() =>
        DocumentedVariable().Matches(File.ReadAllText(Path.Combine(Root, "app", ".env.example"))).Select(m => m.Groups[1].Value).ToHashSet();

    // NAME=value lines, set or commented out (a commented variable documents its default).
    [GeneratedRegex(@"^#?\s?([A-Z][A-Z0-9_]*)=", RegexOptions.Multiline)]
    private static partial Regex DocumentedVariable();

    [GeneratedRegex(@"\$\{([A-Z][A-Z0-9_]*)")]
    private static partial Regex ComposeVariable();
}
