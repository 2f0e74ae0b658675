using System.Text.Json;
using System.Text.Json.Nodes;
using Moq;
using SpecEditor.Infra.Settings;
using SpecEditor.Infra.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace SpecEditor.Infra.Tests.Settings;

/// <summary>Pulumi.yaml documents the config the program really reads, and the committed stack files are valid.</summary>
public sealed class PulumiYamlTests
{
    [Fact]
    public void The_project_runs_the_dotnet_program_in_infra()
    {
        var project = Load("Pulumi.yaml");

        Assert.Equal("spec-editor", Scalar(project, "name"));
        Assert.Equal("dotnet", Scalar(project, "runtime"));
        Assert.Equal("infra/", Scalar(project, "main"));
    }

    [Fact]
    public void Every_key_the_program_reads_is_declared_and_every_declared_key_is_read()
    {
        var read = new HashSet<string>(StringComparer.Ordinal);
        foreach (var config in AllShapesOfConfig())
        {
            var source = new Mock<IConfigSource>();
            source.Setup(s => s.Get(It.IsAny<string>())).Returns((string key) => config.GetValueOrDefault(key));
            StackSettingsReader.Read(source.Object, StackConfigs.Project, "dev");
            read.UnionWith(source.Invocations.Select(invocation => (string)invocation.Arguments[0]));
        }

        Assert.Equal(DeclaredKeys().Keys.Order(StringComparer.Ordinal), read.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Each_key_has_a_type_and_a_description_and_only_target_is_required()
    {
        var declared = DeclaredKeys();

        Assert.All(declared, pair =>
        {
            Assert.Contains(Scalar(pair.Value, "type"), new[] { "string", "integer", "array", "object" });
            Assert.False(string.IsNullOrWhiteSpace(Scalar(pair.Value, "description")), $"{pair.Key} has no description");
        });
        Assert.Equal(["target"], declared.Where(pair => !pair.Value.Children.ContainsKey(new YamlScalarNode("default"))).Select(pair => pair.Key));
    }

    [Fact]
    public void The_defaults_in_pulumi_yaml_are_the_defaults_the_program_uses()
    {
        var declared = DeclaredKeys().Where(pair => pair.Key != "target").ToList();

        Assert.Equal(declared.Select(pair => pair.Key).Order(StringComparer.Ordinal), StackSettingsReader.Defaults.Keys.Order(StringComparer.Ordinal));
        Assert.All(declared, pair =>
        {
            var expected = Normalize(StackSettingsReader.Defaults[pair.Key]);
            var actual = Normalize(RawValue(pair.Value.Children[new YamlScalarNode("default")], Scalar(pair.Value, "type"), ItemType(pair.Value)));
            Assert.True(expected == actual, $"{pair.Key}: Pulumi.yaml says {actual}, the program {expected}");
        });
    }

    [Theory]
    [InlineData("dev", "ec2", "ghcr")]
    [InlineData("prod", "eks", "ecr")]
    [InlineData("local", "minikube", "")]
    public void The_stack_files_pick_their_target_and_registry(string stack, string target, string registry)
    {
        var config = StackFile(stack);

        Assert.Equal(target, config["target"]);
        Assert.Equal(registry, config.GetValueOrDefault("registry", ""));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("local")]
    public void The_stack_files_declare_only_known_keys_and_validate_once_completed_as_the_readme_says(string stack)
    {
        var config = StackFile(stack);
        Assert.All(config.Keys, key => Assert.Contains(key, DeclaredKeys().Keys));

        // What the README tells people to add with `pulumi config set` (secrets cannot be committed).
        var completion = stack switch
        {
            "dev" => new Dictionary<string, string>
            {
                ["ghcrOwner"] = "acme",
                ["ghcrToken"] = StackConfigs.GhcrPushToken,
                ["ghcrPullToken"] = StackConfigs.GhcrPullToken,
                ["allowedCidrs"] = StackConfigs.Json(new[] { StackConfigs.AppCidr }),
                ["appEnv"] = Merge(Merge(config["appEnv"], "SPEC_STORE", "github"), "GH_REPO", "acme/specs"),
                ["appSecrets"] = StackConfigs.Json(new Dictionary<string, string> { ["GH_TOKEN"] = StackConfigs.GhToken }),
            },
            "prod" => new Dictionary<string, string>
            {
                ["appEnv"] = Merge(config["appEnv"], "GH_REPO", "acme/specs"),
                ["appSecrets"] = StackConfigs.Json(new Dictionary<string, string> { ["GH_TOKEN"] = StackConfigs.GhToken, ["DATABASE_URL"] = StackConfigs.DatabaseUrl }),
                ["workspaceStorageClass"] = StackConfigs.WorkspaceStorageClass,
            },
            _ => [],
        };
        foreach (var (key, value) in completion)
        {
            config[key] = value;
        }

        var settings = StackConfigs.Settings(config, stack);

        Assert.Equal(stack, settings.Stack);
    }

    /// <summary>Configs that, between them, make the reader visit every key.</summary>
    private static IEnumerable<Dictionary<string, string>> AllShapesOfConfig()
    {
        foreach (var combination in StackConfigs.Combinations)
        {
            var (target, registry) = combination.Data;
            yield return StackConfigs.For(target, registry);
        }

        var ingress = StackConfigs.For("minikube", "");
        ingress["ingressHost"] = "specs.example.com";
        yield return ingress;
    }

    private static Dictionary<string, YamlMappingNode> DeclaredKeys() =>
        ((YamlMappingNode)Load("Pulumi.yaml").Children[new YamlScalarNode("config")]).Children
            .ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => (YamlMappingNode)pair.Value, StringComparer.Ordinal);

    /// <summary>A stack file's project keys as the CLI passes them: scalars as text, lists and maps as JSON.</summary>
    private static Dictionary<string, string> StackFile(string stack)
    {
        var config = (YamlMappingNode)Load($"Pulumi.{stack}.yaml").Children[new YamlScalarNode("config")];
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in config.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (name.StartsWith("spec-editor:", StringComparison.Ordinal))
            {
                values[name["spec-editor:".Length..]] = RawValue(value, value is YamlMappingNode ? "object" : value is YamlSequenceNode ? "array" : "string", "string");
            }
        }

        return values;
    }

    private static string RawValue(YamlNode node, string type, string itemType) => (type, node) switch
    {
        ("object", YamlMappingNode map) => new JsonObject(map.Children.Select(pair =>
            KeyValuePair.Create(((YamlScalarNode)pair.Key).Value!, (JsonNode?)JsonValue.Create(((YamlScalarNode)pair.Value).Value)))).ToJsonString(),
        ("array", YamlSequenceNode list) => new JsonArray(list.Children.Select(item => itemType == "integer"
            ? (JsonNode?)JsonValue.Create(int.Parse(((YamlScalarNode)item).Value!, System.Globalization.CultureInfo.InvariantCulture))
            : JsonValue.Create(((YamlScalarNode)item).Value))
            .ToArray()).ToJsonString(),
        (_, YamlScalarNode scalar) => scalar.Value ?? "",
        _ => throw new InvalidOperationException($"unexpected {node.NodeType} for a {type}"),
    };

    private static string ItemType(YamlMappingNode declaration) =>
        declaration.Children.TryGetValue(new YamlScalarNode("items"), out var items) ? Scalar((YamlMappingNode)items, "type") : "";

    private static string Normalize(string raw) => raw.StartsWith('[') || raw.StartsWith('{') ? JsonNode.Parse(raw)!.ToJsonString() : raw;

    private static string Merge(string json, string key, string value)
    {
        var map = JsonSerializer.Deserialize<Dictionary<string, string>>(json)!;
        map[key] = value;
        return StackConfigs.Json(map);
    }

    private static string Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? ((YamlScalarNode)node).Value ?? "" : "";

    private static YamlMappingNode Load(string file)
    {
        using var reader = new StreamReader(RepositoryRoot.File(file));
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
