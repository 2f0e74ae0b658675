using YamlDotNet.RepresentationModel;

namespace SpecEditor.Workflows.Tests.TestSupport;

/// <summary>A workflow file under .github/workflows, parsed, with its raw text for what YAML drops (comments).</summary>
internal sealed class Workflow
{
    private Workflow(string name, string text, YamlMappingNode root)
    {
        Name = name;
        Text = text;
        Root = root;
        Jobs = ((YamlMappingNode)root["jobs"]).Children
            .Select(pair => new Job(((YamlScalarNode)pair.Key).Value!, (YamlMappingNode)pair.Value, this))
            .ToList();
    }

    public string Name { get; }

    public string Text { get; }

    public YamlMappingNode Root { get; }

    public IReadOnlyList<Job> Jobs { get; }

    /// <summary>The event names under <c>on:</c>, whichever of its three forms is used.</summary>
    public IReadOnlyList<string> Triggers => Root["on"] switch
    {
        YamlScalarNode scalar => [scalar.Value!],
        YamlSequenceNode list => list.Children.Select(Yaml.Text).ToList(),
        YamlMappingNode map => map.Children.Keys.Select(Yaml.Text).ToList(),
        _ => [],
    };

    public static IReadOnlyList<Workflow> All { get; } = Directory
        .GetFiles(RepositoryRoot.File(".github", "workflows"))
        .Where(path => path.EndsWith(".yml", StringComparison.Ordinal) || path.EndsWith(".yaml", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(Load)
        .ToList();

    public static Workflow Named(string fileName) => All.Single(workflow => workflow.Name == fileName);

    public Job Job(string id) => Jobs.Single(job => job.Id == id);

    public override string ToString() => Name;

    private static Workflow Load(string path)
    {
        var text = File.ReadAllText(path);
        return new Workflow(Path.GetFileName(path), text, Yaml.Load(text));
    }
}

/// <summary>One job of a workflow.</summary>
internal sealed record Job(string Id, YamlMappingNode Node, Workflow Workflow)
{
    public IReadOnlyList<YamlMappingNode> Steps =>
        Node.Children.TryGetValue(new YamlScalarNode("steps"), out var steps) ? ((YamlSequenceNode)steps).Children.Cast<YamlMappingNode>().ToList() : [];

    /// <summary>The job's steps with the steps of the local composite actions it uses, as if written inline.</summary>
    public IReadOnlyList<YamlMappingNode> AllSteps => Steps
        .SelectMany(step => Yaml.Get(step, "uses") is { } uses && uses.StartsWith("./", StringComparison.Ordinal)
            ? [step, .. LocalAction.At(uses).Steps]
            : new[] { step })
        .ToList();

    public YamlMappingNode? Permissions => Node.Children.TryGetValue(new YamlScalarNode("permissions"), out var node) ? node as YamlMappingNode : null;

    public string If => Yaml.Get(Node, "if") ?? "";

    public string? Permission(string scope) => Permissions is { } map ? Yaml.Get(map, scope) : null;

    public IEnumerable<string> UsedActions => AllSteps.Select(step => Yaml.Get(step, "uses")).OfType<string>();

    public bool Uses(string actionPrefix) => UsedActions.Any(uses => uses.StartsWith(actionPrefix, StringComparison.Ordinal));

    public IEnumerable<YamlMappingNode> StepsUsing(string actionPrefix) =>
        AllSteps.Where(step => Yaml.Get(step, "uses")?.StartsWith(actionPrefix, StringComparison.Ordinal) == true);

    /// <summary>Everything the job's YAML says, as text: to find references such as <c>secrets.</c>.</summary>
    public string Text => Yaml.Dump(Node);

    public override string ToString() => $"{Workflow.Name}:{Id}";
}

/// <summary>A composite action under .github/actions.</summary>
internal sealed record LocalAction(string Path, YamlMappingNode Root)
{
    public IReadOnlyList<YamlMappingNode> Steps => ((YamlSequenceNode)((YamlMappingNode)Root["runs"])["steps"]).Children.Cast<YamlMappingNode>().ToList();

    public static IReadOnlyList<string> AllFiles { get; } = Directory.Exists(RepositoryRoot.File(".github", "actions"))
        ? Directory.GetFiles(RepositoryRoot.File(".github", "actions"), "action.y*ml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
        : [];

    public static LocalAction At(string uses)
    {
        var directory = RepositoryRoot.File(uses[2..].Split('/'));
        var file = new[] { "action.yml", "action.yaml" }.Select(name => System.IO.Path.Combine(directory, name)).First(File.Exists);
        return new LocalAction(file, Yaml.Load(File.ReadAllText(file)));
    }
}

internal static class Yaml
{
    public static YamlMappingNode Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public static string Text(YamlNode node) => node is YamlScalarNode scalar ? scalar.Value ?? "" : Dump(node);

    /// <summary>A scalar child's value, or null when the key is missing or not a scalar.</summary>
    public static string? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar ? scalar.Value : null;

    public static YamlMappingNode? Map(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node as YamlMappingNode : null;

    public static string Dump(YamlNode node)
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
