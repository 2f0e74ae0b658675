using System.Globalization;
using System.Text;
using System.Text.Json;
using Pulumi;
using Pulumi.Kubernetes.Core.V1;
using Pulumi.Kubernetes.Networking.V1;
using Pulumi.Kubernetes.Policy.V1;
using Pulumi.Kubernetes.Rbac.V1;
using Pulumi.Kubernetes.Types.Inputs.Apps.V1;
using Pulumi.Kubernetes.Types.Inputs.Core.V1;
using Pulumi.Kubernetes.Types.Inputs.Meta.V1;
using Pulumi.Kubernetes.Types.Inputs.Networking.V1;
using Pulumi.Kubernetes.Types.Inputs.Policy.V1;
using Pulumi.Kubernetes.Types.Inputs.Rbac.V1;
using SpecEditor.Infra.Image;
using SpecEditor.Infra.Settings;

namespace SpecEditor.Infra.Kubernetes;

internal sealed class KubernetesReleaseArgs
{
    public required StackSettings Settings { get; init; }

    /// <summary>The app image: a digest reference, or Minikube's content tag.</summary>
    public required Output<string> Image { get; init; }
}

/// <summary>
/// The app on Kubernetes (Minikube or EKS): namespace, settings, secrets, a hardened Deployment with probes and limits,
/// a Service (NodePort on Minikube, LoadBalancer on EKS), an optional Ingress and a PodDisruptionBudget, and what the
/// automation engine needs to run its phases as Kubernetes Jobs: the kubernetes runner switched on, a Role for its calls
/// and a ReadWriteMany claim for the run workspaces that the app and the job pods share. The cluster comes from the
/// provider in the component's options.
/// </summary>
internal sealed class KubernetesRelease : ComponentResource
{
    public const string AppName = "spec-editor";
    public const string DataPath = "/data";

    /// <summary>Where the app keeps run workspaces (AUTOMATION_WORK_DIR): the mount of the workspace claim.</summary>
    public const string WorkspacesPath = "/workspaces";

    public KubernetesRelease(string name, KubernetesReleaseArgs args, ComponentResourceOptions? options = null)
        : base("spec-editor:kubernetes:KubernetesRelease", name, options)
    {
        var settings = args.Settings;
        var kubernetes = settings.Kubernetes!;
        var minikube = kubernetes.Minikube;
        var self = new CustomResourceOptions { Parent = this };

        var selector = new Dictionary<string, string>
        {
            ["app.kubernetes.io/name"] = AppName,
            ["app.kubernetes.io/instance"] = settings.Stack,
        };
        var labels = new Dictionary<string, string>(selector) { ["app.kubernetes.io/managed-by"] = "pulumi" };

        var ns = new Namespace(name, new NamespaceArgs
        {
            Metadata = new ObjectMetaArgs
            {
                Name = kubernetes.Namespace,
                Labels = new Dictionary<string, string>(labels)
                {
                    // The app and the jobs it starts must meet the "restricted" Pod Security Standard.
                    ["pod-security.kubernetes.io/enforce"] = "restricted",
                    ["pod-security.kubernetes.io/enforce-version"] = "latest",
                },
            },
        }, self);
        var namespaceName = ns.Metadata.Apply(m => m.Name);

        // The app clones each run here and every phase's job pod mounts the run's folder, on whichever node it lands: so
        // ReadWriteMany. A generated name, like the ConfigMap's: a new storage class makes a new claim, and the new name in
        // the settings rolls the Deployment onto it before the old claim goes.
        var workspaces = new PersistentVolumeClaim($"{name}-workspaces", new PersistentVolumeClaimArgs
        {
            Metadata = new ObjectMetaArgs { Namespace = namespaceName, Labels = labels },
            Spec = new PersistentVolumeClaimSpecArgs
            {
                AccessModes = { "ReadWriteMany" },
                // Unset means the cluster's default class (Minikube's hostPath class serves ReadWriteMany on its one node).
                StorageClassName = kubernetes.Workspaces.StorageClass!,
                Resources = new VolumeResourceRequirementsArgs { Requests = { ["storage"] = kubernetes.Workspaces.Size } },
            },
        }, self);
        var workspaceClaim = workspaces.Metadata.Apply(m => m.Name);

        // Behind a LoadBalancer (EKS without an Ingress) the app's address is known only once the Service has one, so
        // that Service comes first and the settings (PUBLIC_URL), and with them the Deployment, wait for it.
        var addressFromLoadBalancer = minikube is null && kubernetes.Ingress is null;
        var service = addressFromLoadBalancer ? NewService(name, settings, namespaceName, labels, selector, dependsOn: null) : null;
        var appUrl = AppUrlOf(settings, service);

        var environment = new InputMap<string>();
        foreach (var (variable, value) in AppEnvironment(settings))
        {
            environment.Add(variable, value);
        }

        environment.Add(WorkspaceClaimVariable, workspaceClaim);
        if (!settings.App.Environment.ContainsKey(PublicUrlVariable))
        {
            // Links in pull requests and the sign-in callback use it; without it they would say http://localhost:8080.
            environment.Add(PublicUrlVariable, appUrl);
        }

        // ConfigMap and Secret get generated names: the provider replaces them when their data changes, and the new
        // name in the pod template rolls the Deployment.
        var config = new ConfigMap(name, new ConfigMapArgs
        {
            Metadata = new ObjectMetaArgs { Namespace = namespaceName, Labels = labels },
            Data = environment,
        }, self);

        var secretData = new InputMap<string>();
        foreach (var (variable, value) in settings.App.Secrets)
        {
            secretData.Add(variable, value.ToOutput());
        }

        var secret = new Secret(name, new SecretArgs
        {
            Metadata = new ObjectMetaArgs { Namespace = namespaceName, Labels = labels },
            Type = "Opaque",
            StringData = secretData,
        }, self);

        Secret? pullSecret = null;
        if (settings.Image.Ghcr is { } ghcr)
        {
            pullSecret = new Secret($"{name}-ghcr", new SecretArgs
            {
                Metadata = new ObjectMetaArgs { Namespace = namespaceName, Labels = labels },
                Type = "kubernetes.io/dockerconfigjson",
                StringData = { [".dockerconfigjson"] = ghcr.PullToken.ToOutput().Apply(token => DockerConfigJson(GhcrSettings.Server, ghcr.Username, token)) },
            }, self);
        }

        var serviceAccount = new ServiceAccount(name, new ServiceAccountArgs
        {
            Metadata = new ObjectMetaArgs { Name = AppName, Namespace = namespaceName, Labels = labels },
        }, self);

        // The automation engine runs its phases as Kubernetes Jobs in this namespace, and nothing more: exactly the calls
        // of app/Automation/Runners/KubernetesJobRunner.cs. It creates, reads, lists and deletes Jobs; finds and reads
        // their pods and follows their logs; and keeps each job's secrets in a Secret it creates, hands to the Job as its
        // owner (patch, so Kubernetes deletes it with the Job) and deletes, and lists by its label to remove any a crash
        // left behind. Listing can read the namespace's Secrets: only the app's own and its jobs', which the app holds
        // anyway. Deleting a Job takes its pods with it (background propagation), so it never deletes pods itself.
        var role = new Role(name, new RoleArgs
        {
            Metadata = new ObjectMetaArgs { Name = $"{AppName}-jobs", Namespace = namespaceName, Labels = labels },
            Rules =
            {
                new PolicyRuleArgs { ApiGroups = { "batch" }, Resources = { "jobs" }, Verbs = { "create", "get", "list", "delete" } },
                new PolicyRuleArgs { ApiGroups = { "" }, Resources = { "pods" }, Verbs = { "get", "list" } },
                new PolicyRuleArgs { ApiGroups = { "" }, Resources = { "pods/log" }, Verbs = { "get" } },
                new PolicyRuleArgs { ApiGroups = { "" }, Resources = { "secrets" }, Verbs = { "create", "patch", "list", "delete" } },
            },
        }, self);

        _ = new RoleBinding(name, new RoleBindingArgs
        {
            Metadata = new ObjectMetaArgs { Name = $"{AppName}-jobs", Namespace = namespaceName, Labels = labels },
            RoleRef = new RoleRefArgs { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = role.Metadata.Apply(m => m.Name) },
            Subjects = { new SubjectArgs { Kind = "ServiceAccount", Name = serviceAccount.Metadata.Apply(m => m.Name), Namespace = namespaceName } },
        }, self);

        var deployment = new Pulumi.Kubernetes.Apps.V1.Deployment(name, new Pulumi.Kubernetes.Types.Inputs.Apps.V1.DeploymentArgs
        {
            Metadata = new ObjectMetaArgs { Name = AppName, Namespace = namespaceName, Labels = labels },
            Spec = new DeploymentSpecArgs
            {
                Replicas = kubernetes.Replicas,
                RevisionHistoryLimit = 5,
                Selector = new LabelSelectorArgs { MatchLabels = selector },
                Strategy = new DeploymentStrategyArgs
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new RollingUpdateDeploymentArgs { MaxUnavailable = 0, MaxSurge = 1 },
                },
                Template = new PodTemplateSpecArgs
                {
                    Metadata = new ObjectMetaArgs { Labels = labels },
                    Spec = PodSpec(settings, args.Image, config, secret, pullSecret, serviceAccount, workspaceClaim),
                },
            },
        }, self);

        service ??= NewService(name, settings, namespaceName, labels, selector, dependsOn: deployment);

        if (kubernetes.Ingress is { } ingress)
        {
            _ = new Ingress(name, new IngressArgs
            {
                Metadata = new ObjectMetaArgs { Name = AppName, Namespace = namespaceName, Labels = labels },
                Spec = new IngressSpecArgs
                {
                    IngressClassName = ingress.ClassName!,
                    Rules =
                    {
                        new IngressRuleArgs
                        {
                            Host = ingress.Host,
                            Http = new HTTPIngressRuleValueArgs
                            {
                                Paths =
                                {
                                    new HTTPIngressPathArgs
                                    {
                                        Path = "/",
                                        PathType = "Prefix",
                                        Backend = new IngressBackendArgs
                                        {
                                            Service = new IngressServiceBackendArgs
                                            {
                                                Name = service.Metadata.Apply(m => m.Name),
                                                Port = new ServiceBackendPortArgs { Name = "http" },
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                    Tls = ingress.TlsSecretName is { } tls
                        ? new List<IngressTLSArgs> { new() { Hosts = { ingress.Host }, SecretName = tls } }
                        : [],
                },
            }, self);
        }

        _ = new PodDisruptionBudget(name, new PodDisruptionBudgetArgs
        {
            Metadata = new ObjectMetaArgs { Name = AppName, Namespace = namespaceName, Labels = labels },
            Spec = new PodDisruptionBudgetSpecArgs
            {
                // Voluntary evictions (node drains) take one pod at a time; with one replica a drain can still proceed.
                MaxUnavailable = 1,
                Selector = new LabelSelectorArgs { MatchLabels = selector },
            },
        }, self);

        Namespace = namespaceName;
        ServiceName = service.Metadata.Apply(m => m.Name);
        AppUrl = appUrl;
        HealthUrl = AppUrl.Apply(url => url + AppSettings.ReadyPath);

        RegisterOutputs(new Dictionary<string, object?>
        {
            ["namespace"] = Namespace,
            ["serviceName"] = ServiceName,
            ["appUrl"] = AppUrl,
            ["healthUrl"] = HealthUrl,
        });
    }

    public Output<string> Namespace { get; }

    public Output<string> ServiceName { get; }

    public Output<string> AppUrl { get; }

    public Output<string> HealthUrl { get; }

    private const string PublicUrlVariable = "PUBLIC_URL";

    private const string WorkspaceClaimVariable = "AUTOMATION_K8S_WORKSPACE_CLAIM";

    /// <summary>
    /// The app's non-secret environment known before any resource exists: the stack's settings plus what the deployment
    /// itself decides. The constructor adds the workspace claim's name and PUBLIC_URL, which come from resources.
    /// </summary>
    internal static Dictionary<string, string> AppEnvironment(StackSettings settings) =>
        new(settings.App.Environment, StringComparer.Ordinal)
        {
            ["PORT"] = AppSettings.ContainerPort.ToString(CultureInfo.InvariantCulture),
            ["LISTEN_ADDRESS"] = "0.0.0.0",
            ["DATA_DIR"] = DataPath,
            // Without these the engine would try the Docker runner, which has no Docker inside a cluster.
            ["AUTOMATION_RUNNER"] = "kubernetes",
            ["AUTOMATION_K8S_NAMESPACE"] = settings.Kubernetes!.Namespace,
            ["AUTOMATION_WORK_DIR"] = WorkspacesPath,
        };

    private Service NewService(string name, StackSettings settings, Output<string> namespaceName, Dictionary<string, string> labels, Dictionary<string, string> selector, Resource? dependsOn)
    {
        var minikube = settings.Kubernetes!.Minikube;
        var annotations = new Dictionary<string, string>();
        if (minikube is null)
        {
            annotations["service.beta.kubernetes.io/aws-load-balancer-type"] = "nlb";
        }

        if (dependsOn is null)
        {
            // Created before the Deployment, it has no pods yet: wait for the load balancer's address only, not (as Pulumi
            // does by default) for endpoints too, which would wait for a Deployment that waits for this address.
            annotations["pulumi.com/waitFor"] = "jsonpath={.status.loadBalancer.ingress}";
        }

        var options = new CustomResourceOptions { Parent = this };
        if (dependsOn is not null)
        {
            options.DependsOn.Add(dependsOn);
        }

        return new Service(name, new ServiceArgs
        {
            Metadata = new ObjectMetaArgs
            {
                Name = AppName,
                Namespace = namespaceName,
                Labels = labels,
                Annotations = annotations,
            },
            Spec = new ServiceSpecArgs
            {
                Type = minikube is null ? "LoadBalancer" : "NodePort",
                Selector = selector,
                Ports =
                {
                    new ServicePortArgs
                    {
                        Name = "http",
                        Protocol = "TCP",
                        Port = settings.App.Port,
                        TargetPort = "http",
                        NodePort = minikube?.NodePort,
                    },
                },
                LoadBalancerSourceRanges = minikube is null ? settings.App.AllowedCidrs.ToList() : [],
            },
        }, options);
    }

    private static PodSpecArgs PodSpec(StackSettings settings, Output<string> image, ConfigMap config, Secret secret, Secret? pullSecret, ServiceAccount serviceAccount, Output<string> workspaceClaim)
    {
        var resources = settings.Kubernetes!.Resources;
        return new PodSpecArgs
        {
            ServiceAccountName = serviceAccount.Metadata.Apply(m => m.Name),
            SecurityContext = new PodSecurityContextArgs
            {
                RunAsNonRoot = true,
                RunAsUser = ImageContract.UserId,
                RunAsGroup = ImageContract.UserId,
                FsGroup = ImageContract.UserId,
                SeccompProfile = new SeccompProfileArgs { Type = "RuntimeDefault" },
            },
            ImagePullSecrets = pullSecret is null
                ? []
                : new List<LocalObjectReferenceArgs> { new() { Name = pullSecret.Metadata.Apply(m => m.Name) } },
            TerminationGracePeriodSeconds = 30,
            Containers =
            {
                new ContainerArgs
                {
                    Name = AppName,
                    Image = image,
                    // Digest references and Minikube's content tags never change meaning, so a present image is the right one;
                    // this is also what lets Minikube use an image loaded with `minikube image load`.
                    ImagePullPolicy = "IfNotPresent",
                    Ports = { new ContainerPortArgs { Name = "http", ContainerPortValue = AppSettings.ContainerPort, Protocol = "TCP" } },
                    EnvFrom =
                    {
                        new EnvFromSourceArgs { ConfigMapRef = new ConfigMapEnvSourceArgs { Name = config.Metadata.Apply(m => m.Name) } },
                        new EnvFromSourceArgs { SecretRef = new SecretEnvSourceArgs { Name = secret.Metadata.Apply(m => m.Name) } },
                    },
                    Resources = new ResourceRequirementsArgs
                    {
                        Requests = { ["cpu"] = resources.CpuRequest, ["memory"] = resources.MemoryRequest },
                        Limits = { ["cpu"] = resources.CpuLimit, ["memory"] = resources.MemoryLimit },
                    },
                    SecurityContext = new SecurityContextArgs
                    {
                        RunAsNonRoot = true,
                        AllowPrivilegeEscalation = false,
                        ReadOnlyRootFilesystem = true,
                        Capabilities = new CapabilitiesArgs { Drop = { "ALL" } },
                    },
                    // Startup allows a slow first start (migrations, seeding the local store) without a long liveness delay.
                    StartupProbe = Probe(AppSettings.LivePath, periodSeconds: 2, failureThreshold: 60),
                    LivenessProbe = Probe(AppSettings.LivePath, periodSeconds: 10, failureThreshold: 3),
                    ReadinessProbe = Probe(AppSettings.ReadyPath, periodSeconds: 5, failureThreshold: 3),
                    VolumeMounts =
                    {
                        new VolumeMountArgs { Name = "data", MountPath = DataPath },
                        new VolumeMountArgs { Name = "tmp", MountPath = "/tmp" },
                        new VolumeMountArgs { Name = "workspaces", MountPath = WorkspacesPath },
                    },
                },
            },
            Volumes =
            {
                // Pods are disposable: durable state belongs in PostgreSQL (DATABASE_URL) and the GitHub store.
                new VolumeArgs { Name = "data", EmptyDir = new EmptyDirVolumeSourceArgs { SizeLimit = "1Gi" } },
                new VolumeArgs { Name = "tmp", EmptyDir = new EmptyDirVolumeSourceArgs { Medium = "Memory", SizeLimit = "64Mi" } },
                // Shared with the job pods, which mount their run's folder of the same claim.
                new VolumeArgs { Name = "workspaces", PersistentVolumeClaim = new PersistentVolumeClaimVolumeSourceArgs { ClaimName = workspaceClaim } },
            },
        };
    }

    private static ProbeArgs Probe(string path, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new HTTPGetActionArgs { Path = path, Port = "http" },
        PeriodSeconds = periodSeconds,
        FailureThreshold = failureThreshold,
        TimeoutSeconds = 3,
    };

    /// <param name="loadBalancer">The LoadBalancer Service whose address the app has when there is neither an Ingress nor Minikube.</param>
    private static Output<string> AppUrlOf(StackSettings settings, Service? loadBalancer)
    {
        var kubernetes = settings.Kubernetes!;
        if (kubernetes.Ingress is { } ingress)
        {
            return Output.Create(IngressUrl(ingress));
        }

        if (kubernetes.Minikube is { } minikube)
        {
            return Output.Create($"http://{minikube.Host}:{minikube.NodePort.ToString(CultureInfo.InvariantCulture)}");
        }

        // The provider waits for the load balancer's address before it reports the Service ready.
        return loadBalancer!.Status.Apply(status =>
        {
            var endpoint = status?.LoadBalancer?.Ingress is { IsDefaultOrEmpty: false } ingresses ? ingresses[0] : null;
            var host = endpoint?.Hostname is { Length: > 0 } hostname ? hostname : endpoint?.Ip;
            return host is null
                ? throw new RunException("The LoadBalancer Service has no address; check the Service's events (kubectl describe service) and run 'pulumi up' again.")
                : $"http://{host}:{settings.App.Port.ToString(CultureInfo.InvariantCulture)}";
        });
    }

    private static string IngressUrl(IngressSettings ingress) => $"{(ingress.TlsSecretName is null ? "http" : "https")}://{ingress.Host}";

    internal static string DockerConfigJson(string server, string username, string token) => JsonSerializer.Serialize(new
    {
        auths = new Dictionary<string, object>
        {
            [server] = new
            {
                username,
                password = token,
                auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{token}")),
            },
        },
    });
}
