using System.Text.Json;
using SpecEditor.Infra.Settings;

namespace SpecEditor.Infra.Tests.TestSupport;

/// <summary>Stack configurations for each target and registry, with recognisable secret values to hunt for.</summary>
internal static class StackConfigs
{
    public const string Project = "spec-editor";
    public const string GhcrPushToken = "ghp_PUSHtoken0000000000000000000000000001";
    public const string GhcrPullToken = "ghp_PULLtoken0000000000000000000000000002";
    public const string GhToken = "ghp_APPtoken00000000000000000000000000003";
    public const string DatabaseUrl = "postgres://spec:db-Pa55word-4@db.internal:5432/spec";
    public const string AppCidr = "203.0.113.0/24";
    public const string WorkspaceStorageClass = "efs-sc";

    public static IReadOnlyList<string> SecretValues { get; } = [GhcrPushToken, GhcrPullToken, GhToken, DatabaseUrl, "db-Pa55word-4"];

    public static Dictionary<string, string> For(string target, string registry)
    {
        var config = new Dictionary<string, string>
        {
            ["target"] = target,
            ["registry"] = registry,
            ["allowedCidrs"] = Json(new[] { AppCidr }),
            ["appEnv"] = Json(new Dictionary<string, string> { ["SPEC_STORE"] = "github", ["GH_REPO"] = "acme/specs", ["LOG_FORMAT"] = "json" }),
            ["appSecrets"] = Json(new Dictionary<string, string> { ["GH_TOKEN"] = GhToken, ["DATABASE_URL"] = DatabaseUrl }),
            ["tags"] = Json(new Dictionary<string, string> { ["cost-center"] = "platform" }),
        };
        if (target == "eks")
        {
            // EKS has no ReadWriteMany class of its own; the run workspace claim needs one (an EFS class, say).
            config["workspaceStorageClass"] = WorkspaceStorageClass;
        }

        if (registry == "ghcr")
        {
            config["ghcrOwner"] = "Acme-Platform";
            config["ghcrUsername"] = "acme-bot";
            config["ghcrToken"] = GhcrPushToken;
            config["ghcrPullToken"] = GhcrPullToken;
        }

        return config;
    }

    /// <summary>Every supported combination of target and registry.</summary>
    public static TheoryData<string, string> Combinations => new()
    {
        { "ec2", "ghcr" },
        { "ec2", "ecr" },
        { "eks", "ghcr" },
        { "eks", "ecr" },
        { "minikube", "" },
    };

    public static StackSettings Settings(IReadOnlyDictionary<string, string> config, string stack = "dev") =>
        StackSettingsReader.Read(new DictionaryConfigSource(config), Project, stack);

    public static string Json<T>(T value) => JsonSerializer.Serialize(value);
}

/// <summary>Config as the Pulumi CLI hands it to the program: raw strings, JSON for lists and maps.</summary>
internal sealed class DictionaryConfigSource(IReadOnlyDictionary<string, string> values) : IConfigSource
{
    public string? Get(string key) => values.GetValueOrDefault(key);
}
