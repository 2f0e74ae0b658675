using Pulumi;
using Pulumi.Aws.Ecr;
using Pulumi.Aws.Ecr.Inputs;
using SpecEditor.Infra.Settings;
using Docker = Pulumi.Docker;

namespace SpecEditor.Infra.Image;

internal sealed class ContainerImageArgs
{
    /// <summary>The Pulumi project root: the build context (the Dockerfile needs the root's props files).</summary>
    public required string RootDirectory { get; init; }

    public required ImageSettings Settings { get; init; }

    /// <summary>ECR repository name when the registry is ECR.</summary>
    public required string RepositoryName { get; init; }

    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

/// <summary>
/// Builds <c>app/Dockerfile</c> and pushes it to GHCR or to an ECR repository it creates; for Minikube it only builds.
/// <see cref="Reference"/> is the pushed digest reference, so consumers change exactly when the image content changes.
/// </summary>
internal sealed class ContainerImage : ComponentResource
{
    /// <summary>Untagged images (earlier builds whose tag moved on) are kept this long, for rollbacks.</summary>
    public const int UntaggedRetentionDays = 14;

    /// <summary>At most this many images stay in the repository.</summary>
    public const int MaxImages = 50;

    public ContainerImage(string name, ContainerImageArgs args, ComponentResourceOptions? options = null)
        : base("spec-editor:image:ContainerImage", name, options)
    {
        var settings = args.Settings;
        var build = new Docker.Inputs.DockerBuildArgs
        {
            Context = args.RootDirectory,
            Dockerfile = Path.Combine(args.RootDirectory, "app", "Dockerfile"),
            Platform = ImageSettings.Platform,
        };

        switch (settings.Registry)
        {
            case ImageRegistry.Ghcr:
                var ghcr = settings.Ghcr!;
                Registry = Output.Create(GhcrSettings.Server);
                Reference = Push(name, build, $"{GhcrSettings.Server}/{ghcr.Owner}/{settings.Name}:{settings.Tag}", new Docker.Inputs.RegistryArgs
                {
                    Server = GhcrSettings.Server,
                    Username = ghcr.Username,
                    Password = ghcr.PushToken.ToOutput(),
                });
                break;

            case ImageRegistry.Ecr:
                var repository = CreateRepository(name, args);
                RepositoryArn = repository.Arn;
                RepositoryUrl = repository.RepositoryUrl;
                Registry = repository.RepositoryUrl.Apply(url => url.Split('/')[0]);
                var token = GetAuthorizationToken.Invoke(new GetAuthorizationTokenInvokeArgs { RegistryId = repository.RegistryId }, new InvokeOptions { Parent = this });
                Reference = Push(name, build, repository.RepositoryUrl.Apply(url => $"{url}:{settings.Tag}"), new Docker.Inputs.RegistryArgs
                {
                    Server = repository.RepositoryUrl,
                    Username = token.Apply(t => t.UserName),
                    Password = Output.CreateSecret(token.Apply(t => t.Password)),
                });
                break;

            default:
                Reference = BuildLocal(name, build, settings);
                break;
        }

        RegisterOutputs(new Dictionary<string, object?>
        {
            ["reference"] = Reference,
            ["registry"] = Registry,
            ["repositoryUrl"] = RepositoryUrl,
        });
    }

    /// <summary>
    /// What hosts and clusters run: <c>registry/name@sha256:...</c> for a pushed image; for Minikube a tag derived from
    /// the image id (<c>name:&lt;12 hex&gt;</c>), which changes with the content just as a digest does.
    /// </summary>
    public Output<string> Reference { get; }

    /// <summary>The registry host to log in to (null for Minikube).</summary>
    public Output<string>? Registry { get; }

    public Output<string>? RepositoryArn { get; }

    public Output<string>? RepositoryUrl { get; }

    private Repository CreateRepository(string name, ContainerImageArgs args)
    {
        var repository = new Repository(name, new RepositoryArgs
        {
            Name = args.RepositoryName,
            ImageScanningConfiguration = new RepositoryImageScanningConfigurationArgs { ScanOnPush = true },
            // Consumers run digests, so the per-stack tag may move; each push leaves the previous image untagged.
            ImageTagMutability = "MUTABLE",
            EncryptionConfigurations = new RepositoryEncryptionConfigurationArgs { EncryptionType = "AES256" },
            // `pulumi destroy` must succeed with images still inside.
            ForceDelete = true,
            Tags = AwsTags.Named(args.Tags, args.RepositoryName),
        }, new CustomResourceOptions { Parent = this });

        _ = new LifecyclePolicy(name, new LifecyclePolicyArgs
        {
            Repository = repository.Name,
            Policy = LifecyclePolicyDocument(),
        }, new CustomResourceOptions { Parent = this });

        return repository;
    }

    internal static string LifecyclePolicyDocument() => System.Text.Json.JsonSerializer.Serialize(new
    {
        rules = new object[]
        {
            new
            {
                rulePriority = 1,
                description = $"Expire untagged images after {UntaggedRetentionDays} days",
                selection = new { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = UntaggedRetentionDays },
                action = new { type = "expire" },
            },
            new
            {
                rulePriority = 2,
                description = $"Keep at most {MaxImages} images",
                selection = new { tagStatus = "any", countType = "imageCountMoreThan", countNumber = MaxImages },
                action = new { type = "expire" },
            },
        },
    });

    private Output<string> Push(string name, Docker.Inputs.DockerBuildArgs build, Input<string> imageName, Docker.Inputs.RegistryArgs registry)
    {
        var image = new Docker.Image(name, new Docker.ImageArgs
        {
            Build = build,
            ImageName = imageName,
            Registry = registry,
        }, new CustomResourceOptions { Parent = this });
        return image.RepoDigest;
    }

    private Output<string> BuildLocal(string name, Docker.Inputs.DockerBuildArgs build, ImageSettings settings)
    {
        var image = new Docker.Image(name, new Docker.ImageArgs
        {
            Build = build,
            ImageName = $"{settings.Name}:{settings.Tag}",
            SkipPush = true,
        }, new CustomResourceOptions { Parent = this });

        // A local image has no registry digest, only its id (sha256:<hex>); a tag made from the id gives the
        // Deployment a reference that changes when, and only when, the image does.
        var tag = new Docker.Tag(name, new Docker.TagArgs
        {
            SourceImage = image.RepoDigest,
            TargetImage = image.RepoDigest.Apply(id => LocalReference(settings.Name, id)),
        }, new CustomResourceOptions { Parent = this });
        return tag.TargetImage;
    }

    internal static string LocalReference(string name, string imageId)
    {
        var hex = imageId.StartsWith("sha256:", StringComparison.Ordinal) ? imageId["sha256:".Length..] : imageId;
        return $"{name}:{hex[..Math.Min(12, hex.Length)]}";
    }
}
