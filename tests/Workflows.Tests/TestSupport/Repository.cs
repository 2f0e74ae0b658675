using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace SpecEditor.Workflows.Tests.TestSupport;

/// <summary>Facts the workflows must agree with, read from the repository itself so they are written down only once.</summary>
internal static partial class Repository
{
    /// <summary>The stacks with a committed Pulumi.&lt;stack&gt;.yaml, with their target.</summary>
    public static IReadOnlyDictionary<string, string> StackTargets { get; } = Directory
        .GetFiles(RepositoryRoot.Path, "Pulumi.*.yaml")
        .ToDictionary(
            path => Path.GetFileName(path)["Pulumi.".Length..^".yaml".Length],
            path => Yaml.Get((YamlMappingNode)Yaml.Load(File.ReadAllText(path))["config"], "spec-editor:target") ?? "",
            StringComparer.Ordinal);

    /// <summary>The stacks GitHub deploys: every stack but those on a local Minikube, which no runner can reach.</summary>
    public static IReadOnlyList<string> CloudStacks { get; } =
        StackTargets.Where(pair => pair.Value != "minikube").Select(pair => pair.Key).Order(StringComparer.Ordinal).ToList();

    /// <summary>The test command the README tells people to run.</summary>
    public static string TestCommand
    {
        get
        {
            var match = TestCommandPattern().Match(RepositoryRoot.Read("README.md"));
            Assert.True(match.Success, "the README names no test command (a line starting with 'bash tests/')");
            return match.Groups[1].Value;
        }
    }

    /// <summary>The default image repository name in Pulumi.yaml (config imageName).</summary>
    public static string ImageName
    {
        get
        {
            var project = Yaml.Load(RepositoryRoot.Read("Pulumi.yaml"));
            var imageName = (YamlMappingNode)((YamlMappingNode)project["config"])["imageName"];
            return Yaml.Get(imageName, "default")!;
        }
    }

    [GeneratedRegex(@"^(bash tests/\S+)", RegexOptions.Multiline)]
    private static partial Regex TestCommandPattern();
}
