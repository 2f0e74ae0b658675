using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Octokit;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Specs.GitHub;

/// <summary>
/// Under Native AOT, Octokit can only create the StringEnum&lt;T&gt; instantiations that app/Specs/GitHub/Octokit.rd.xml roots:
/// a missing one fails at run time ("No parameterless constructor defined for type Octokit.StringEnum`1[...]"). The list must
/// therefore match what the referenced Octokit uses, which JIT reflection can check.
/// </summary>
public sealed partial class OctokitAotRootsTests
{
    [Fact]
    public void The_rd_xml_roots_every_StringEnum_instantiation_Octokit_uses()
    {
        var document = XDocument.Load(RepositoryRoot.File("app", "Specs", "GitHub", "Octokit.rd.xml"));
        var rooted = document.Descendants().Where(e => e.Name.LocalName == "Type")
            .Select(e => RootedEnum().Match(e.Attribute("Name")!.Value))
            .Where(m => m.Success)
            .Select(m => $"{m.Groups[1].Value},{m.Groups[2].Value}")
            .ToHashSet(StringComparer.Ordinal);

        var used = typeof(GitHubClient).Assembly.GetTypes()
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Select(p => p.PropertyType)
                .Concat(t.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType)))
            .Select(StringEnumIn)
            .OfType<Type>()
            .Select(t => t.GetGenericArguments()[0])
            .Select(e => $"{e.FullName},{e.Assembly.GetName().Name}")
            .ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(used);
        Assert.Empty(used.Except(rooted).Order());
        Assert.Empty(rooted.Except(used).Order());
    }

    [Fact]
    public void The_rd_xml_roots_the_app_types_Octokit_deserializes()
    {
        var names = XDocument.Load(RepositoryRoot.File("app", "Specs", "GitHub", "Octokit.rd.xml"))
            .Descendants().Where(e => e.Name.LocalName == "Type").Select(e => e.Attribute("Name")!.Value);

        Assert.Contains(typeof(SpecEditor.Specs.GitHub.DispatchRunDetails).FullName!, names);
    }

    /// <summary>The StringEnum&lt;T&gt; a property type is or contains (nullable, array, generic collection).</summary>
    private static Type? StringEnumIn(Type type) =>
        Nullable.GetUnderlyingType(type) is { } underlying ? StringEnumIn(underlying)
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(StringEnum<>) ? type
        : type.IsGenericType ? type.GetGenericArguments().Select(StringEnumIn).FirstOrDefault(t => t is not null)
        : type.IsArray ? StringEnumIn(type.GetElementType()!)
        : null;

    [GeneratedRegex(@"^Octokit\.StringEnum`1\[\[([^,\]]+),([^,\]]+)\]\]$")]
    private static partial Regex RootedEnum();
}
