namespace SpecEditor.Infra.Settings;

/// <summary>Where the app runs.</summary>
internal enum DeploymentTarget
{
    Ec2,
    Minikube,
    Eks,
}

/// <summary>Where the image goes. Minikube runs a locally built image, so it has none.</summary>
internal enum ImageRegistry
{
    None,
    Ghcr,
    Ecr,
}

/// <summary>
/// Every setting of a stack, read once from Pulumi config and validated before any resource is declared
/// (<see cref="StackSettingsReader"/>). Target-specific parts are present only for their target.
/// </summary>
internal sealed record StackSettings
{
    public required string Project { get; init; }

    public required string Stack { get; init; }

    public required DeploymentTarget Target { get; init; }

    public required ImageSettings Image { get; init; }

    public required AppSettings App { get; init; }

    /// <summary>Tags for every taggable AWS resource: the standard ones plus the stack's extra tags.</summary>
    public required IReadOnlyDictionary<string, string> Tags { get; init; }

    public Ec2Settings? Ec2 { get; init; }

    public KubernetesSettings? Kubernetes { get; init; }

    public EksSettings? Eks { get; init; }

    /// <summary>A name for cloud resources that is unique per project and stack, e.g. <c>spec-editor-dev</c>.</summary>
    public string BaseName => $"{Project}-{Stack}";
}

internal sealed record ImageSettings(ImageRegistry Registry, string Name, string Tag, GhcrSettings? Ghcr)
{
    /// <summary>app/Dockerfile publishes for linux-x64, so every host and node is x86_64.</summary>
    public const string Platform = "linux/amd64";
}

/// <param name="PushToken">Token with <c>write:packages</c>, used by <c>pulumi up</c> to push.</param>
/// <param name="PullToken">Token with <c>read:packages</c> that hosts and clusters pull with.</param>
internal sealed record GhcrSettings(string Owner, string Username, SecretString PushToken, SecretString PullToken)
{
    public const string Server = "ghcr.io";
}

/// <param name="Port">The port people reach the app on: the EC2 host port, or the Kubernetes Service port.</param>
/// <param name="AllowedCidrs">Who may reach that port.</param>
/// <param name="Environment">Non-secret settings passed to the app as environment variables.</param>
/// <param name="Secrets">Secret settings (GH_TOKEN, DATABASE_URL, ...): kept in SSM Parameter Store or a Kubernetes Secret.</param>
internal sealed record AppSettings(
    int Port,
    IReadOnlyList<string> AllowedCidrs,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, SecretString> Secrets)
{
    /// <summary>The port the app listens on inside its container (set by the image).</summary>
    public const int ContainerPort = 8080;

    public const string LivePath = "/health/live";

    public const string ReadyPath = "/health/ready";
}

/// <param name="SubnetId">Subnet for the host; empty means the first default subnet of the default VPC.</param>
/// <param name="EgressPorts">TCP ports the host may reach out on (HTTPS for SSM, the registry and package mirrors).</param>
internal sealed record Ec2Settings(string InstanceType, int RootVolumeGiB, int DataVolumeGiB, string? SubnetId, IReadOnlyList<int> EgressPorts);

internal sealed record KubernetesSettings(
    string Namespace,
    int Replicas,
    ContainerResources Resources,
    WorkspaceVolumeSettings Workspaces,
    IngressSettings? Ingress,
    MinikubeSettings? Minikube);

/// <summary>
/// The ReadWriteMany claim holding the automation engine's run workspaces: the app pods clone into it and every job pod
/// mounts its run's folder of it, on whichever node each of them runs.
/// </summary>
/// <param name="StorageClass">A StorageClass that provisions ReadWriteMany volumes; empty means the cluster's default class.</param>
internal sealed record WorkspaceVolumeSettings(string? StorageClass, string Size);

internal sealed record ContainerResources(string CpuRequest, string CpuLimit, string MemoryRequest, string MemoryLimit);

/// <param name="ClassName">Ingress class; empty means the cluster's default.</param>
/// <param name="TlsSecretName">A TLS Secret in the namespace; empty means plain HTTP.</param>
internal sealed record IngressSettings(string Host, string? ClassName, string? TlsSecretName);

/// <param name="Host">Address of the Minikube node as seen from this machine (<c>minikube ip</c>).</param>
internal sealed record MinikubeSettings(string Context, string Host, int NodePort);

/// <param name="ExistingClusterName">Use this cluster instead of creating one.</param>
/// <param name="ApiAllowedCidrs">Who may reach the public Kubernetes API endpoint of a created cluster.</param>
internal sealed record EksSettings(
    string? ExistingClusterName,
    string Version,
    string NodeInstanceType,
    int NodeCount,
    IReadOnlyList<string> ApiAllowedCidrs,
    string VpcCidr);
