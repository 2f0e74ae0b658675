using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SpecEditor.Infra.Settings;

/// <summary>
/// Reads every config key once into <see cref="StackSettings"/> and checks it. All problems are collected and reported
/// together, each naming its key and what is allowed, before the program declares a single resource.
/// </summary>
internal sealed partial class StackSettingsReader
{
    /// <summary>
    /// Defaults of the optional keys, as raw config strings. Pulumi.yaml declares the same defaults (a test keeps them equal),
    /// so the program behaves the same whether the CLI or this table supplies them.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>
    {
        ["registry"] = "",
        ["imageName"] = "spec-editor",
        ["imageTag"] = "",
        ["ghcrOwner"] = "",
        ["ghcrUsername"] = "",
        ["ghcrToken"] = "",
        ["ghcrPullToken"] = "",
        ["appPort"] = "8080",
        ["allowedCidrs"] = """["0.0.0.0/0"]""",
        ["appEnv"] = "{}",
        ["appSecrets"] = "{}",
        ["tags"] = "{}",
        ["instanceType"] = "t3.small",
        ["rootVolumeGiB"] = "20",
        ["dataVolumeGiB"] = "10",
        ["subnetId"] = "",
        ["egressPorts"] = "[443]",
        ["namespace"] = "spec-editor",
        ["replicas"] = "1",
        ["cpuRequest"] = "250m",
        ["cpuLimit"] = "1",
        ["memoryRequest"] = "256Mi",
        ["memoryLimit"] = "512Mi",
        ["workspaceStorageClass"] = "",
        ["workspaceSize"] = "10Gi",
        ["ingressHost"] = "",
        ["ingressClassName"] = "",
        ["ingressTlsSecret"] = "",
        ["minikubeContext"] = "minikube",
        ["minikubeHost"] = "192.168.49.2",
        ["minikubeNodePort"] = "30080",
        ["eksClusterName"] = "",
        ["eksVersion"] = "1.35",
        ["eksNodeInstanceType"] = "t3.medium",
        ["eksNodeCount"] = "2",
        ["eksApiAllowedCidrs"] = """["0.0.0.0/0"]""",
        ["eksVpcCidr"] = "10.0.0.0/16",
    };

    /// <summary>Variables the deployment sets itself; the stack may not override them.</summary>
    private static readonly string[] ReservedVariables = ["PORT", "LISTEN_ADDRESS", "DATA_DIR"];

    /// <summary>What the Kubernetes release sets so the automation engine runs its jobs in the stack's own namespace and claim.</summary>
    private static readonly string[] KubernetesReservedVariables =
        ["AUTOMATION_RUNNER", "AUTOMATION_K8S_NAMESPACE", "AUTOMATION_K8S_WORKSPACE_CLAIM", "AUTOMATION_WORK_DIR"];

    private readonly IConfigSource source;
    private readonly string project;
    private readonly List<string> problems = [];

    private StackSettingsReader(IConfigSource source, string project)
    {
        this.source = source;
        this.project = project;
    }

    /// <summary>Reads and validates the settings, or throws <see cref="InvalidStackSettingsException"/> listing every problem.</summary>
    public static StackSettings Read(IConfigSource source, string project, string stack)
    {
        var reader = new StackSettingsReader(source, project);
        var settings = reader.ReadAll(stack);
        if (reader.problems.Count > 0)
        {
            throw new InvalidStackSettingsException(stack, reader.problems);
        }

        return settings!;
    }

    private StackSettings? ReadAll(string stack)
    {
        var target = Choice("target", new Dictionary<string, DeploymentTarget>
        {
            ["ec2"] = DeploymentTarget.Ec2,
            ["minikube"] = DeploymentTarget.Minikube,
            ["eks"] = DeploymentTarget.Eks,
        });
        var image = ReadImage(target, stack);
        var app = ReadApp(target);
        var tags = ReadTags(stack);
        var ec2 = target == DeploymentTarget.Ec2 ? ReadEc2() : null;
        var kubernetes = target is DeploymentTarget.Minikube or DeploymentTarget.Eks ? ReadKubernetes(target.Value, app) : null;
        var eks = target == DeploymentTarget.Eks ? ReadEks() : null;

        if (problems.Count > 0 || target is null || image is null || app is null)
        {
            return null;
        }

        return new StackSettings
        {
            Project = project,
            Stack = stack,
            Target = target.Value,
            Image = image,
            App = app,
            Tags = tags,
            Ec2 = ec2,
            Kubernetes = kubernetes,
            Eks = eks,
        };
    }

    private ImageSettings? ReadImage(DeploymentTarget? target, string stack)
    {
        var registryText = Text("registry");
        var registry = registryText switch
        {
            "" => ImageRegistry.None,
            "ghcr" => ImageRegistry.Ghcr,
            "ecr" => ImageRegistry.Ecr,
            _ => (ImageRegistry?)null,
        };
        switch (registry, target)
        {
            case (null, _):
                Problem("registry", $"'{registryText}' is not allowed; use one of ghcr, ecr (or leave it unset for minikube)");
                break;
            case (ImageRegistry.None, DeploymentTarget.Ec2 or DeploymentTarget.Eks):
                Problem("registry", $"is required for target {Text("target")}; use one of ghcr, ecr");
                break;
            case (ImageRegistry.Ghcr or ImageRegistry.Ecr, DeploymentTarget.Minikube):
                Problem("registry", $"must be unset for target minikube, which runs a locally built image (got '{registryText}')");
                break;
        }

        var name = Text("imageName");
        if (!ImageNamePattern().IsMatch(name))
        {
            Problem("imageName", $"'{name}' is not a valid repository name; use lowercase letters, digits and single '.', '_', '-' or '/' separators");
        }

        var tag = Text("imageTag") is { Length: > 0 } configuredTag ? configuredTag : stack.ToLowerInvariant();
        if (!ImageTagPattern().IsMatch(tag))
        {
            Problem("imageTag", $"'{tag}' is not a valid image tag; use up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
        }

        var ghcr = registry == ImageRegistry.Ghcr ? ReadGhcr() : null;
        return registry is null ? null : new ImageSettings(registry.Value, name, tag, ghcr);
    }

    private GhcrSettings ReadGhcr()
    {
        var owner = Text("ghcrOwner");
        if (owner.Length == 0)
        {
            Problem("ghcrOwner", "is required for registry ghcr: the GitHub user or organization that owns the package");
        }
        else if (!GitHubOwnerPattern().IsMatch(owner))
        {
            Problem("ghcrOwner", $"'{owner}' is not a GitHub user or organization name (letters, digits and single inner hyphens, at most 39)");
        }

        var username = Text("ghcrUsername") is { Length: > 0 } user ? user : owner;
        var pushToken = Secret("ghcrToken");
        if (pushToken.IsEmpty)
        {
            Problem("ghcrToken", "is required for registry ghcr: a token with write:packages (pulumi config set --secret ghcrToken ...)");
        }

        var pullToken = Secret("ghcrPullToken");
        // GHCR package names are lowercase even when the owner's login is not.
        return new GhcrSettings(owner.ToLowerInvariant(), username, pushToken, pullToken.IsEmpty ? pushToken : pullToken);
    }

    private AppSettings? ReadApp(DeploymentTarget? target)
    {
        var port = Integer("appPort", 1, 65535);
        if (port is 22)
        {
            Problem("appPort", "must not be 22: hosts are reached through SSM Session Manager, never SSH");
        }

        var cidrs = Cidrs("allowedCidrs");
        var environment = StringMap("appEnv");
        var secretValues = StringMap("appSecrets");

        foreach (var (key, value) in environment)
        {
            CheckVariable("appEnv", key, value);
            if (LooksSecret(key))
            {
                Problem("appEnv", $"'{key}' looks like a secret; move it to appSecrets (pulumi config set --secret --path 'appSecrets.{key}' ...)");
            }

            if (secretValues.ContainsKey(key))
            {
                Problem("appEnv", $"'{key}' is set in both appEnv and appSecrets; keep it in one");
            }
        }

        foreach (var (key, value) in secretValues)
        {
            CheckVariable("appSecrets", key, value);
            if (value.Length == 0)
            {
                Problem("appSecrets", $"'{key}' is empty; remove it or give it a value");
            }
            else if (target == DeploymentTarget.Ec2 && value.Length > 4096)
            {
                Problem("appSecrets", $"'{key}' is longer than 4096 characters, the limit of an SSM standard parameter");
            }
        }

        // The local store has no sign-in (it is meant for one person on their machine): open to the internet, anyone could
        // change specs, merge changes and start automation runs with the stack's GitHub token and agent keys.
        if (target is DeploymentTarget.Ec2 or DeploymentTarget.Eks && environment.GetValueOrDefault("SPEC_STORE", "local") != "github"
            && cidrs?.Any(cidr => cidr.EndsWith("/0", StringComparison.Ordinal)) == true)
        {
            Problem("appEnv", "the local spec store has no sign-in, and allowedCidrs lets the whole internet reach it; set appEnv.SPEC_STORE to github (sign-in with GitHub), or narrow allowedCidrs to your own network");
        }

        if (port is null || cidrs is null)
        {
            return null;
        }

        var secrets = secretValues.ToDictionary(pair => pair.Key, pair => new SecretString(pair.Value), StringComparer.Ordinal);
        return new AppSettings(port.Value, cidrs, environment, secrets);
    }

    private void CheckVariable(string key, string name, string value)
    {
        if (!VariableNamePattern().IsMatch(name))
        {
            Problem(key, $"'{name}' is not an environment variable name (uppercase letters, digits and '_', not starting with a digit)");
        }
        else if (ReservedVariables.Contains(name, StringComparer.Ordinal))
        {
            Problem(key, $"'{name}' is set by the deployment itself and cannot be overridden (reserved: {string.Join(", ", ReservedVariables)})");
        }

        // Values travel through env files and SSM; a line break or quote would split or end them.
        if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal) || value.Contains('\'', StringComparison.Ordinal))
        {
            Problem(key, $"the value of '{name}' contains a line break or a single quote, which env files cannot carry");
        }
    }

    private static bool LooksSecret(string name) =>
        name is "DATABASE_URL"
        || name.Contains("SECRET", StringComparison.Ordinal)
        || name.Contains("PASSWORD", StringComparison.Ordinal)
        || name.Contains("TOKEN", StringComparison.Ordinal)
        || name.EndsWith("_KEY", StringComparison.Ordinal);

    private Dictionary<string, string> ReadTags(string stack)
    {
        var extra = StringMap("tags");
        foreach (var (key, value) in extra)
        {
            if (key.Length is 0 or > 128 || key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                Problem("tags", $"'{key}' is not an allowed tag key (1-128 characters, not starting with 'aws:')");
            }

            if (value.Length > 256)
            {
                Problem("tags", $"the value of '{key}' is longer than 256 characters");
            }
        }

        var tags = new Dictionary<string, string>(extra, StringComparer.Ordinal);
        foreach (var (key, value) in StandardTags(project, stack))
        {
            if (extra.ContainsKey(key))
            {
                Problem("tags", $"'{key}' is a standard tag set by the stack; choose another key");
            }

            tags[key] = value;
        }

        return tags;
    }

    /// <summary>The tags every taggable AWS resource carries.</summary>
    public static IReadOnlyDictionary<string, string> StandardTags(string project, string stack) => new Dictionary<string, string>
    {
        ["app"] = "spec-editor",
        ["pulumi-project"] = project,
        ["pulumi-stack"] = stack,
        ["managed-by"] = "pulumi",
    };

    private Ec2Settings ReadEc2()
    {
        var instanceType = Text("instanceType");
        CheckInstanceType("instanceType", instanceType);

        // The Amazon Linux 2023 AMI's own root snapshot is 8 GiB; Docker images need room beyond that.
        var rootVolume = Integer("rootVolumeGiB", 10, 16384);
        var dataVolume = Integer("dataVolumeGiB", 1, 16384);
        var subnet = Text("subnetId");
        if (subnet.Length > 0 && !SubnetIdPattern().IsMatch(subnet))
        {
            Problem("subnetId", $"'{subnet}' is not a subnet id (subnet-0123abcd...)");
        }

        var egress = IntegerList("egressPorts", 1, 65535);
        if (egress is { Count: 0 })
        {
            Problem("egressPorts", "must list at least 443: the host reaches SSM, the registry and package mirrors over HTTPS");
        }

        return new Ec2Settings(instanceType, rootVolume ?? 0, dataVolume ?? 0, subnet.Length > 0 ? subnet : null, egress ?? []);
    }

    private KubernetesSettings ReadKubernetes(DeploymentTarget target, AppSettings? app)
    {
        var ns = Text("namespace");
        if (!DnsLabelPattern().IsMatch(ns))
        {
            Problem("namespace", $"'{ns}' is not a Kubernetes namespace name (lowercase letters, digits and inner hyphens, at most 63)");
        }

        var replicas = Integer("replicas", 1, 50) ?? 1;
        if (replicas > 1 && app is not null)
        {
            // Each pod has its own scratch /data: several pods only agree when the state lives outside them.
            if (!app.Secrets.ContainsKey("DATABASE_URL"))
            {
                Problem("replicas", $"{replicas} pods need a shared PostgreSQL database; set appSecrets.DATABASE_URL (or use 1 replica)");
            }

            if (app.Environment.GetValueOrDefault("SPEC_STORE") != "github")
            {
                Problem("replicas", $"{replicas} pods need the github spec store; set appEnv.SPEC_STORE to github (or use 1 replica)");
            }
        }

        foreach (var name in app?.Environment.Keys.Intersect(KubernetesReservedVariables, StringComparer.Ordinal) ?? [])
        {
            Problem("appEnv", $"'{name}' is set by the Kubernetes release itself: the automation engine runs its jobs in the stack's namespace, on the workspace claim it creates (reserved on Kubernetes: {string.Join(", ", KubernetesReservedVariables)})");
        }

        var resources = new ContainerResources(Quantity("cpuRequest"), Quantity("cpuLimit"), Quantity("memoryRequest"), Quantity("memoryLimit"));
        var workspaces = ReadWorkspaceVolume(target);

        IngressSettings? ingress = null;
        var host = Text("ingressHost");
        if (host.Length > 0)
        {
            if (!HostNamePattern().IsMatch(host))
            {
                Problem("ingressHost", $"'{host}' is not a DNS host name");
            }

            var className = Text("ingressClassName");
            var tls = Text("ingressTlsSecret");
            if (tls.Length > 0 && !DnsSubdomainPattern().IsMatch(tls))
            {
                Problem("ingressTlsSecret", $"'{tls}' is not a Kubernetes Secret name");
            }

            ingress = new IngressSettings(host, className.Length > 0 ? className : null, tls.Length > 0 ? tls : null);
        }

        MinikubeSettings? minikube = null;
        if (target == DeploymentTarget.Minikube)
        {
            var context = Text("minikubeContext");
            if (context.Length == 0)
            {
                Problem("minikubeContext", "is required: the kubeconfig context of the Minikube cluster (usually 'minikube')");
            }

            var address = Text("minikubeHost");
            if (!IPAddress.TryParse(address, out _) && !HostNamePattern().IsMatch(address))
            {
                Problem("minikubeHost", $"'{address}' is not an IP address or host name; use the output of 'minikube ip'");
            }

            var nodePort = Integer("minikubeNodePort", 30000, 32767);
            minikube = new MinikubeSettings(context, address, nodePort ?? 0);
        }

        return new KubernetesSettings(ns, replicas, resources, workspaces, ingress, minikube);
    }

    private WorkspaceVolumeSettings ReadWorkspaceVolume(DeploymentTarget target)
    {
        var storageClass = Text("workspaceStorageClass");
        if (storageClass.Length == 0 && target == DeploymentTarget.Eks)
        {
            // EKS's default classes are EBS volumes, which attach to one node at a time: job pods on other nodes could not
            // mount the run's workspace. Minikube's default class (hostPath, one node) serves ReadWriteMany claims.
            Problem("workspaceStorageClass", "is required for target eks: a StorageClass that provisions ReadWriteMany volumes, which the app and the automation engine's job pods share for run workspaces (e.g. EFS through the aws-efs-csi-driver; EBS classes such as gp2 and gp3 are ReadWriteOnce)");
        }
        else if (storageClass.Length > 0 && !DnsSubdomainPattern().IsMatch(storageClass))
        {
            Problem("workspaceStorageClass", $"'{storageClass}' is not a StorageClass name (lowercase letters, digits, '-' and '.')");
        }

        return new WorkspaceVolumeSettings(storageClass.Length > 0 ? storageClass : null, Quantity("workspaceSize"));
    }

    private EksSettings ReadEks()
    {
        var existing = Text("eksClusterName");
        if (existing.Length > 0 && !EksClusterNamePattern().IsMatch(existing))
        {
            Problem("eksClusterName", $"'{existing}' is not an EKS cluster name (letters, digits, '-' and '_', at most 100, starting with a letter or digit)");
        }

        var version = Text("eksVersion");
        if (!KubernetesVersionPattern().IsMatch(version))
        {
            Problem("eksVersion", $"'{version}' is not a Kubernetes minor version such as 1.35");
        }

        var nodeType = Text("eksNodeInstanceType");
        CheckInstanceType("eksNodeInstanceType", nodeType);

        var nodeCount = Integer("eksNodeCount", 1, 100);
        var apiCidrs = Cidrs("eksApiAllowedCidrs");
        var vpcCidr = Text("eksVpcCidr");
        if (!IPNetwork.TryParse(vpcCidr, out var network) || network.BaseAddress.AddressFamily != AddressFamily.InterNetwork
            || network.PrefixLength is < 16 or > 20 || network.ToString() != vpcCidr)
        {
            Problem("eksVpcCidr", $"'{vpcCidr}' is not an IPv4 network from /16 to /20 (e.g. 10.0.0.0/16)");
        }

        return new EksSettings(existing.Length > 0 ? existing : null, version, nodeType, nodeCount ?? 0, apiCidrs ?? [], vpcCidr);
    }

    private void CheckInstanceType(string key, string instanceType)
    {
        if (!InstanceTypePattern().IsMatch(instanceType))
        {
            Problem(key, $"'{instanceType}' is not an EC2 instance type (e.g. t3.small, m7i.large)");
        }
        else if (GravitonTypePattern().IsMatch(instanceType))
        {
            Problem(key, $"'{instanceType}' is an Arm (Graviton) type; the image is built for x86_64 (app/Dockerfile publishes linux-x64), so use an x86_64 type such as t3.small");
        }
    }

    private string Text(string key) => (source.Get(key) ?? Defaults.GetValueOrDefault(key, "")).Trim();

    private SecretString Secret(string key) => new(source.Get(key) ?? Defaults.GetValueOrDefault(key, ""));

    private T? Choice<T>(string key, IReadOnlyDictionary<string, T> allowed)
        where T : struct
    {
        var value = Text(key);
        if (allowed.TryGetValue(value, out var choice))
        {
            return choice;
        }

        var options = string.Join(", ", allowed.Keys);
        Problem(key, value.Length == 0 ? $"is required; use one of {options}" : $"'{value}' is not allowed; use one of {options}");
        return null;
    }

    private int? Integer(string key, int min, int max)
    {
        var value = Text(key);
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }

        Problem(key, $"'{value}' is not a whole number from {min} to {max}");
        return null;
    }

    private string Quantity(string key)
    {
        var value = Text(key);
        if (!QuantityPattern().IsMatch(value))
        {
            Problem(key, $"'{value}' is not a Kubernetes quantity (e.g. 250m, 1, 256Mi, 1Gi)");
        }

        return value;
    }

    private List<string>? Cidrs(string key)
    {
        var values = StringList(key);
        if (values is null)
        {
            return null;
        }

        if (values.Count == 0)
        {
            Problem(key, "must list at least one CIDR block (e.g. 203.0.113.0/24)");
        }

        foreach (var value in values)
        {
            if (!IPNetwork.TryParse(value, out var network) || network.BaseAddress.AddressFamily != AddressFamily.InterNetwork || network.ToString() != value)
            {
                Problem(key, $"'{value}' is not an IPv4 CIDR block with its host bits zero (e.g. 203.0.113.0/24)");
            }
        }

        return values;
    }

    private List<string>? StringList(string key)
    {
        using var document = Json(key, JsonValueKind.Array, "a list of strings, e.g. [\"203.0.113.0/24\"]");
        if (document is null)
        {
            return null;
        }

        var values = new List<string>();
        foreach (var element in document.RootElement.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                Problem(key, $"{element.GetRawText()} is not a string");
                continue;
            }

            values.Add(element.GetString()!);
        }

        return values;
    }

    private List<int>? IntegerList(string key, int min, int max)
    {
        using var document = Json(key, JsonValueKind.Array, "a list of whole numbers, e.g. [443]");
        if (document is null)
        {
            return null;
        }

        var values = new List<int>();
        foreach (var element in document.RootElement.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var number) || number < min || number > max)
            {
                Problem(key, $"{element.GetRawText()} is not a whole number from {min} to {max}");
                continue;
            }

            values.Add(number);
        }

        return values;
    }

    private Dictionary<string, string> StringMap(string key)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = Json(key, JsonValueKind.Object, "a map of names to strings");
        if (document is null)
        {
            return map;
        }

        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                _ => null,
            };
            if (value is null)
            {
                // The value may be secret: name the entry, never echo it.
                Problem(key, $"the value of '{property.Name}' must be a string, number or boolean");
                continue;
            }

            map[property.Name] = value;
        }

        return map;
    }

    private JsonDocument? Json(string key, JsonValueKind kind, string expected)
    {
        var value = Text(key);
        if (value.Length == 0)
        {
            value = kind == JsonValueKind.Array ? "[]" : "{}";
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(value);
        }
        catch (JsonException)
        {
            Problem(key, $"is not {expected} (set it with 'pulumi config set --path' or as YAML in the stack file)");
            return null;
        }

        if (document.RootElement.ValueKind != kind)
        {
            document.Dispose();
            Problem(key, $"is not {expected}");
            return null;
        }

        return document;
    }

    private void Problem(string key, string message) => problems.Add($"{project}:{key}: {message}");

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex ImageNamePattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex ImageTagPattern();

    [GeneratedRegex("^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$")]
    private static partial Regex GitHubOwnerPattern();

    [GeneratedRegex("^[A-Z_][A-Z0-9_]*$")]
    private static partial Regex VariableNamePattern();

    [GeneratedRegex(@"^[a-z][a-z0-9-]*\.[a-z0-9]+$")]
    private static partial Regex InstanceTypePattern();

    /// <summary>Graviton families: a1, and those with a 'g' right after the generation (t4g, m7g, c6gn, im4gn, x2gd).</summary>
    [GeneratedRegex(@"^(?:a1|[a-z]+[0-9]+g[a-z]*)\.")]
    private static partial Regex GravitonTypePattern();

    [GeneratedRegex("^subnet-[0-9a-f]{8,17}$")]
    private static partial Regex SubnetIdPattern();

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabelPattern();

    [GeneratedRegex(@"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomainPattern();

    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostNamePattern();

    [GeneratedRegex("^(?:[0-9]+m|[0-9]+(?:\\.[0-9]+)?(?:Ki|Mi|Gi|Ti|k|M|G|T)?)$")]
    private static partial Regex QuantityPattern();

    [GeneratedRegex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")]
    private static partial Regex EksClusterNamePattern();

    [GeneratedRegex(@"^1\.[0-9]{2}$")]
    private static partial Regex KubernetesVersionPattern();
}
