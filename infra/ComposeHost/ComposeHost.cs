using System.Globalization;
using Pulumi;
using Pulumi.Aws;
using Pulumi.Aws.Ec2;
using Pulumi.Aws.Ec2.Inputs;
using Pulumi.Aws.Iam;
using Pulumi.Aws.Ssm;
using SpecEditor.Infra.Settings;

namespace SpecEditor.Infra.ComposeHost;

internal sealed class ComposeHostArgs
{
    public required StackSettings Settings { get; init; }

    /// <summary>The app image's digest reference.</summary>
    public required Output<string> Image { get; init; }

    /// <summary>ECR registry host and repository, when the image lives in ECR.</summary>
    public Output<string>? EcrRegistry { get; init; }

    public Output<string>? EcrRepositoryArn { get; init; }

    /// <summary>app/compose.yaml, byte for byte.</summary>
    public required ReadOnlyMemory<byte> ComposeFile { get; init; }
}

/// <summary>
/// An EC2 instance running app/compose.yaml from its user data: Amazon Linux 2023, IMDSv2 only, no SSH (SSM Session
/// Manager instead), a security group opening only the app's port, an encrypted root volume, a data volume and an
/// Elastic IP that both survive host replacement, and secrets in SSM Parameter Store fetched at boot.
/// </summary>
internal sealed class ComposeHost : ComponentResource
{
    public const string DataDeviceName = "/dev/sdf";

    public ComposeHost(string name, ComposeHostArgs args, ComponentResourceOptions? options = null)
        : base("spec-editor:host:ComposeHost", name, options)
    {
        var settings = args.Settings;
        var ec2 = settings.Ec2!;
        var tags = settings.Tags;
        var self = new CustomResourceOptions { Parent = this };
        var invoke = new InvokeOptions { Parent = this };

        var region = GetRegion.Invoke(options: invoke).Apply(r => r.Region);
        var partition = GetPartition.Invoke(options: invoke).Apply(p => p.Partition);
        var subnet = FindSubnet(ec2.SubnetId, invoke);

        var securityGroup = new SecurityGroup(name, new SecurityGroupArgs
        {
            Description = $"Spec Editor compose host ({settings.Stack})",
            VpcId = subnet.Apply(s => s.VpcId),
            Ingress = settings.App.AllowedCidrs.Select(cidr => new SecurityGroupIngressArgs
            {
                Description = "Spec Editor",
                Protocol = "tcp",
                FromPort = settings.App.Port,
                ToPort = settings.App.Port,
                CidrBlocks = { cidr },
            }).ToList(),
            Egress = ec2.EgressPorts.Select(port => new SecurityGroupEgressArgs
            {
                Description = port == 443 ? "HTTPS: SSM, registry, package mirrors" : $"TCP {port}",
                Protocol = "tcp",
                FromPort = port,
                ToPort = port,
                CidrBlocks = { "0.0.0.0/0" },
            }).ToList(),
            Tags = AwsTags.Named(tags, name),
        }, self);

        // Each parameter's name is decided once: the stack creates it under that name and the host fetches that name.
        var prefix = ParameterPrefix(settings);
        var secrets = settings.App.Secrets
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => (Variable: pair.Key, Name: $"{prefix}/env/{pair.Key}", Value: pair.Value))
            .Select(secret => (secret.Variable, secret.Name, Parameter: new Parameter($"{name}-{secret.Variable.ToLowerInvariant().Replace('_', '-')}", new ParameterArgs
            {
                Name = secret.Name,
                Description = $"Spec Editor {secret.Variable} ({settings.Stack})",
                Type = "SecureString",
                Value = secret.Value.ToOutput(),
                Tags = AwsTags.Named(tags, $"{name}-{secret.Variable}"),
            }, self)))
            .ToList();

        Parameter? registryToken = null;
        var registryTokenName = $"{prefix}/registry/ghcr-token";
        if (settings.Image.Registry == ImageRegistry.Ghcr)
        {
            registryToken = new Parameter($"{name}-ghcr-token", new ParameterArgs
            {
                Name = registryTokenName,
                Description = $"GHCR read:packages token the Spec Editor host pulls with ({settings.Stack})",
                Type = "SecureString",
                Value = settings.Image.Ghcr!.PullToken.ToOutput(),
                Tags = AwsTags.Named(tags, $"{name}-ghcr-token"),
            }, self);
        }

        var role = new Role(name, new RoleArgs
        {
            Description = $"Spec Editor compose host ({settings.Stack})",
            AssumeRolePolicy = IamPolicies.AssumeRole("ec2.amazonaws.com"),
            Tags = AwsTags.Named(tags, name),
        }, self);

        var ssmCore = new RolePolicyAttachment($"{name}-ssm-core", new RolePolicyAttachmentArgs
        {
            Role = role.Name,
            PolicyArn = partition.Apply(p => IamPolicies.ManagedPolicyArn(p, "AmazonSSMManagedInstanceCore")),
        }, self);

        var parameterArns = secrets.Select(secret => secret.Parameter.Arn).ToList();
        if (registryToken is not null)
        {
            parameterArns.Add(registryToken.Arn);
        }

        var runtimePolicy = new RolePolicy($"{name}-runtime", new RolePolicyArgs
        {
            Role = role.Id,
            Policy = Output.Tuple(Output.All(parameterArns), args.EcrRepositoryArn ?? Output.Create(string.Empty))
                .Apply(t => RuntimePolicy(t.Item1, t.Item2)),
        }, self);

        var profile = new InstanceProfile(name, new InstanceProfileArgs
        {
            Role = role.Name,
            Tags = AwsTags.Named(tags, name),
        }, self);

        var ami = GetAmi.Invoke(new GetAmiInvokeArgs
        {
            MostRecent = true,
            Owners = { "amazon" },
            Filters =
            {
                new GetAmiFilterInputArgs { Name = "name", Values = { AmiNamePattern } },
                new GetAmiFilterInputArgs { Name = "architecture", Values = { "x86_64" } },
                new GetAmiFilterInputArgs { Name = "virtualization-type", Values = { "hvm" } },
            },
        }, invoke);

        var dataVolume = new Pulumi.Aws.Ebs.Volume($"{name}-data", new Pulumi.Aws.Ebs.VolumeArgs
        {
            AvailabilityZone = subnet.Apply(s => s.AvailabilityZone),
            Size = ec2.DataVolumeGiB,
            Type = "gp3",
            Encrypted = true,
            Tags = AwsTags.Named(tags, $"{name}-data"),
        }, self);

        var address = new Eip(name, new EipArgs
        {
            Domain = "vpc",
            Tags = AwsTags.Named(tags, name),
        }, self);

        AppUrl = address.PublicIp.Apply(ip => $"http://{ip}:{settings.App.Port.ToString(CultureInfo.InvariantCulture)}");
        HealthUrl = AppUrl.Apply(url => url + AppSettings.ReadyPath);

        var secretParameters = Output.All(secrets.Select(secret => secret.Parameter.Version.Apply(version =>
            new SecretParameter(secret.Variable, secret.Name, version))));
        var login = registryToken is not null
            ? registryToken.Version.Apply(version => (RegistryLogin)new RegistryLogin.Ghcr(
                settings.Image.Ghcr!.Username, new SecretParameter("REGISTRY_TOKEN", registryTokenName, version)))
            : args.EcrRegistry!.Apply(registry => (RegistryLogin)new RegistryLogin.Ecr(registry));

        UserData = Output.Tuple(args.Image, region, secretParameters, login, dataVolume.Id, AppUrl).Apply(t =>
        {
            var (image, regionName, parameters, registryLogin, volumeId, appUrl) = t;
            var env = new Dictionary<string, string>(settings.App.Environment, StringComparer.Ordinal);
            env.TryAdd("PUBLIC_URL", appUrl);
            return CloudInit.Render(new HostBoot
            {
                Stack = settings.Stack,
                Region = regionName,
                ComposeFile = args.ComposeFile,
                Image = image,
                HostPort = settings.App.Port,
                Environment = env,
                Secrets = parameters,
                Login = registryLogin,
                DataVolumeId = volumeId,
            });
        });

        var instance = new Instance(name, new InstanceArgs
        {
            Ami = ami.Apply(a => a.Id),
            InstanceType = ec2.InstanceType,
            SubnetId = subnet.Apply(s => s.Id),
            VpcSecurityGroupIds = { securityGroup.Id },
            IamInstanceProfile = profile.Name,
            UserData = UserData,
            // A new image, setting or secret version means a new host built from scratch, not a patched one.
            UserDataReplaceOnChange = true,
            MetadataOptions = new InstanceMetadataOptionsArgs
            {
                HttpEndpoint = "enabled",
                HttpTokens = "required",
                // One hop: only the host itself (the boot script's aws CLI, the Docker daemon) reaches the metadata service.
                // Containers on Docker's bridge network are a hop further away, so the app and the automation jobs running
                // agent code cannot get a token and borrow the instance role (which reads every secret of the stack).
                HttpPutResponseHopLimit = 1,
                InstanceMetadataTags = "disabled",
            },
            RootBlockDevice = new InstanceRootBlockDeviceArgs
            {
                Encrypted = true,
                VolumeType = "gp3",
                VolumeSize = ec2.RootVolumeGiB,
                DeleteOnTermination = true,
                Tags = AwsTags.Named(tags, $"{name}-root"),
            },
            Tags = AwsTags.Named(tags, name),
        }, new CustomResourceOptions { Parent = this, DependsOn = { ssmCore, runtimePolicy } });

        _ = new VolumeAttachment($"{name}-data", new VolumeAttachmentArgs
        {
            DeviceName = DataDeviceName,
            InstanceId = instance.Id,
            VolumeId = dataVolume.Id,
            // Let Docker stop cleanly before the volume goes to the replacement host.
            StopInstanceBeforeDetaching = true,
        }, new CustomResourceOptions { Parent = this, DeleteBeforeReplace = true });

        // The address moves from the old host to its replacement: release it first, then associate it again.
        _ = new EipAssociation(name, new EipAssociationArgs
        {
            AllocationId = address.AllocationId,
            InstanceId = instance.Id,
        }, new CustomResourceOptions { Parent = this, DeleteBeforeReplace = true });

        InstanceId = instance.Id;
        PublicIp = address.PublicIp;
        SecurityGroupId = securityGroup.Id;
        DataVolumeId = dataVolume.Id;
        Region = region;

        RegisterOutputs(new Dictionary<string, object?>
        {
            ["instanceId"] = InstanceId,
            ["publicIp"] = PublicIp,
            ["appUrl"] = AppUrl,
            ["healthUrl"] = HealthUrl,
            ["securityGroupId"] = SecurityGroupId,
            ["dataVolumeId"] = DataVolumeId,
        });
    }

    public Output<string> InstanceId { get; }

    public Output<string> PublicIp { get; }

    public Output<string> AppUrl { get; }

    public Output<string> HealthUrl { get; }

    public Output<string> SecurityGroupId { get; }

    public Output<string> DataVolumeId { get; }

    public Output<string> Region { get; }

    public Output<string> UserData { get; }

    /// <summary>Where the stack's parameters live: <c>/&lt;project&gt;/&lt;stack&gt;</c>.</summary>
    public static string ParameterPrefix(StackSettings settings) => $"/{settings.Project}/{settings.Stack}";

    /// <summary>Names of Amazon Linux 2023 standard x86_64 AMIs (not the minimal ones, which lack the SSM agent).</summary>
    public const string AmiNamePattern = "al2023-ami-2023.*-kernel-*-x86_64";

    /// <summary>Read its own parameters; pull from its ECR repository when the image is there. Nothing else.</summary>
    internal static string RuntimePolicy(IReadOnlyList<string> parameterArns, string ecrRepositoryArn)
    {
        var statements = new List<IamPolicies.Statement>();
        if (parameterArns.Count > 0)
        {
            statements.Add(new("ReadOwnParameters", ["ssm:GetParameter", "ssm:GetParameters"], parameterArns));
        }

        if (ecrRepositoryArn.Length > 0)
        {
            // GetAuthorizationToken has no resource scope; the pull actions are limited to the one repository.
            statements.Add(new("EcrLogin", ["ecr:GetAuthorizationToken"], ["*"]));
            statements.Add(new("EcrPull", ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], [ecrRepositoryArn]));
        }

        return IamPolicies.Document(statements);
    }

    private static Output<GetSubnetResult> FindSubnet(string? subnetId, InvokeOptions invoke)
    {
        if (subnetId is not null)
        {
            return GetSubnet.Invoke(new GetSubnetInvokeArgs { Id = subnetId }, invoke);
        }

        var vpc = GetVpc.Invoke(new GetVpcInvokeArgs { Default = true }, invoke);
        var subnets = GetSubnets.Invoke(new GetSubnetsInvokeArgs
        {
            Filters =
            {
                new Pulumi.Aws.Ec2.Inputs.GetSubnetsFilterInputArgs { Name = "vpc-id", Values = { vpc.Apply(v => v.Id) } },
                new Pulumi.Aws.Ec2.Inputs.GetSubnetsFilterInputArgs { Name = "default-for-az", Values = { "true" } },
            },
        }, invoke);
        // The first id in sorted order, so the host stays in the same zone from one run to the next.
        var first = subnets.Apply(result => result.Ids.IsDefaultOrEmpty
            ? throw new RunException($"{Deployment.Instance.ProjectName}:subnetId: the default VPC has no default subnets; set subnetId to a public subnet")
            : result.Ids.Order(StringComparer.Ordinal).First());
        return GetSubnet.Invoke(new GetSubnetInvokeArgs { Id = first }, invoke);
    }
}
