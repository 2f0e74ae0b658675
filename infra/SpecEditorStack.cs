using Pulumi;
using SpecEditor.Infra.ComposeHost;
using SpecEditor.Infra.Image;
using SpecEditor.Infra.Kubernetes;
using SpecEditor.Infra.Settings;
using KubernetesProvider = Pulumi.Kubernetes.Provider;
using KubernetesProviderArgs = Pulumi.Kubernetes.ProviderArgs;

namespace SpecEditor.Infra;

/// <summary>The whole stack: the image, then the target that runs it, and the outputs people read.</summary>
internal static class SpecEditorStack
{
    public static Dictionary<string, object?> Define(StackSettings settings, string rootDirectory)
    {
        // Read before any resource is declared, so a missing file stops the program cleanly.
        var composeFile = settings.Target == DeploymentTarget.Ec2 ? ComposeFile.Read(rootDirectory) : null;

        var image = new ContainerImage("app-image", new ContainerImageArgs
        {
            RootDirectory = rootDirectory,
            Settings = settings.Image,
            RepositoryName = $"{settings.Image.Name}/{settings.Stack.ToLowerInvariant()}",
            Tags = settings.Tags,
        });

        var outputs = new Dictionary<string, object?>
        {
            ["target"] = settings.Target.ToString().ToLowerInvariant(),
            ["image"] = image.Reference,
        };
        if (image.RepositoryUrl is not null)
        {
            outputs["repositoryUrl"] = image.RepositoryUrl;
        }

        switch (settings.Target)
        {
            case DeploymentTarget.Ec2:
                var host = new ComposeHost.ComposeHost("host", new ComposeHostArgs
                {
                    Settings = settings,
                    Image = image.Reference,
                    EcrRegistry = settings.Image.Registry == ImageRegistry.Ecr ? image.Registry : null,
                    EcrRepositoryArn = image.RepositoryArn,
                    ComposeFile = composeFile!,
                });
                outputs["appUrl"] = host.AppUrl;
                outputs["healthUrl"] = host.HealthUrl;
                outputs["instanceId"] = host.InstanceId;
                outputs["publicIp"] = host.PublicIp;
                outputs["dataVolumeId"] = host.DataVolumeId;
                outputs["ssmSessionCommand"] = Output.Tuple(host.InstanceId, host.Region)
                    .Apply(t => $"aws ssm start-session --target {t.Item1} --region {t.Item2}");
                break;

            case DeploymentTarget.Minikube:
                var minikube = new KubernetesProvider("minikube", new KubernetesProviderArgs { Context = settings.Kubernetes!.Minikube!.Context });
                AddRelease(outputs, settings, image, new ComponentResourceOptions { Providers = { minikube } });
                break;

            case DeploymentTarget.Eks:
                var eks = settings.Eks!;
                Output<string> kubeconfig;
                var releaseOptions = new ComponentResourceOptions();
                if (eks.ExistingClusterName is { } existing)
                {
                    kubeconfig = EksCluster.KubeconfigOfExisting(existing);
                    outputs["clusterName"] = existing;
                }
                else
                {
                    var cluster = new EksCluster("cluster", new EksClusterArgs { Settings = settings });
                    kubeconfig = cluster.Kubeconfig;
                    outputs["clusterName"] = cluster.ClusterName;
                    releaseOptions.DependsOn.Add(cluster.NodeGroup);
                }

                var provider = new KubernetesProvider("eks", new KubernetesProviderArgs { KubeConfig = kubeconfig });
                releaseOptions.Providers.Add(provider);
                outputs["kubeconfig"] = kubeconfig;
                AddRelease(outputs, settings, image, releaseOptions);
                break;
        }

        return outputs;
    }

    private static void AddRelease(Dictionary<string, object?> outputs, StackSettings settings, ContainerImage image, ComponentResourceOptions options)
    {
        var release = new KubernetesRelease("app", new KubernetesReleaseArgs { Settings = settings, Image = image.Reference }, options);
        outputs["appUrl"] = release.AppUrl;
        outputs["healthUrl"] = release.HealthUrl;
        outputs["namespace"] = release.Namespace;
        outputs["serviceName"] = release.ServiceName;
    }
}
