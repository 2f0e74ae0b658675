using Pulumi;
using Pulumi.Aws;
using Pulumi.Aws.Ec2;
using Pulumi.Aws.Ec2.Inputs;
using Pulumi.Aws.Eks;
using Pulumi.Aws.Eks.Inputs;
using Pulumi.Aws.Iam;
using SpecEditor.Infra.Settings;

namespace SpecEditor.Infra.Kubernetes;

internal sealed class EksClusterArgs
{
    public required StackSettings Settings { get; init; }
}

/// <summary>
/// An EKS cluster of its own: a VPC over two zones (public subnets for load balancers, private ones with a NAT gateway
/// for the nodes), the control plane with Secrets encrypted by a KMS key and audit logs on, and a managed node group
/// whose nodes require IMDSv2 and have encrypted disks. <see cref="Kubeconfig"/> is a secret output.
/// </summary>
internal sealed class EksCluster : ComponentResource
{
    private const int Zones = 2;

    /// <summary>What a managed node needs: join the cluster, run the VPC CNI, pull images, and SSM instead of SSH.</summary>
    internal static readonly string[] NodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"];

    public EksCluster(string name, EksClusterArgs args, ComponentResourceOptions? options = null)
        : base("spec-editor:kubernetes:EksCluster", name, options)
    {
        var settings = args.Settings;
        var eks = settings.Eks!;
        var tags = settings.Tags;
        var clusterName = settings.BaseName;
        var self = new CustomResourceOptions { Parent = this };
        var invoke = new InvokeOptions { Parent = this };
        var partition = GetPartition.Invoke(options: invoke).Apply(p => p.Partition);
        var region = GetRegion.Invoke(options: invoke).Apply(r => r.Region);
        var zones = GetAvailabilityZones.Invoke(new GetAvailabilityZonesInvokeArgs { State = "available" }, invoke).Apply(z =>
            z.Names.Length >= Zones ? z.Names : throw new RunException($"EKS needs {Zones} availability zones; this region offers {z.Names.Length}"));

        var vpc = new Vpc(name, new VpcArgs
        {
            CidrBlock = eks.VpcCidr,
            EnableDnsHostnames = true,
            EnableDnsSupport = true,
            Tags = AwsTags.Named(tags, name),
        }, self);

        var internetGateway = new InternetGateway(name, new InternetGatewayArgs { VpcId = vpc.Id, Tags = AwsTags.Named(tags, name) }, self);
        var publicRoutes = new RouteTable($"{name}-public", new RouteTableArgs
        {
            VpcId = vpc.Id,
            Routes = { new RouteTableRouteArgs { CidrBlock = "0.0.0.0/0", GatewayId = internetGateway.Id } },
            Tags = AwsTags.Named(tags, $"{name}-public"),
        }, self);

        // Public subnets hold only load balancers; nodes sit in the private ones. Each tier gets one subnet per zone.
        Subnet AddSubnet(string tier, int zone, int block, string roleTag, RouteTable routes)
        {
            var subnetName = $"{name}-{tier}-{zone}";
            var subnet = new Subnet(subnetName, new SubnetArgs
            {
                VpcId = vpc.Id,
                AvailabilityZone = zones.Apply(z => z[zone]),
                CidrBlock = Subnetting.Carve(eks.VpcCidr, 4, block),
                MapPublicIpOnLaunch = false,
                Tags = Merge(AwsTags.Named(tags, subnetName), roleTag, clusterName),
            }, self);
            _ = new RouteTableAssociation(subnetName, new RouteTableAssociationArgs { SubnetId = subnet.Id, RouteTableId = routes.Id }, self);
            return subnet;
        }

        var publicSubnets = Enumerable.Range(0, Zones).Select(zone => AddSubnet("public", zone, zone, "kubernetes.io/role/elb", publicRoutes)).ToList();

        var natAddress = new Eip($"{name}-nat", new EipArgs { Domain = "vpc", Tags = AwsTags.Named(tags, $"{name}-nat") }, self);
        // One NAT gateway keeps the cost down; nodes lose egress (not ingress) if its zone fails.
        var nat = new NatGateway(name, new NatGatewayArgs
        {
            AllocationId = natAddress.Id,
            SubnetId = publicSubnets[0].Id,
            Tags = AwsTags.Named(tags, name),
        }, new CustomResourceOptions { Parent = this, DependsOn = { internetGateway } });
        var privateRoutes = new RouteTable($"{name}-private", new RouteTableArgs
        {
            VpcId = vpc.Id,
            Routes = { new RouteTableRouteArgs { CidrBlock = "0.0.0.0/0", NatGatewayId = nat.Id } },
            Tags = AwsTags.Named(tags, $"{name}-private"),
        }, self);
        var privateSubnets = Enumerable.Range(0, Zones).Select(zone => AddSubnet("private", zone, 8 + zone, "kubernetes.io/role/internal-elb", privateRoutes)).ToList();

        var secretsKey = new Pulumi.Aws.Kms.Key($"{name}-secrets", new Pulumi.Aws.Kms.KeyArgs
        {
            Description = $"Envelope encryption of Kubernetes Secrets in {clusterName}",
            EnableKeyRotation = true,
            DeletionWindowInDays = 7,
            Tags = AwsTags.Named(tags, $"{name}-secrets"),
        }, self);

        var clusterRole = new Role($"{name}-cluster", new RoleArgs
        {
            Description = $"EKS control plane of {clusterName}",
            AssumeRolePolicy = IamPolicies.AssumeRole("eks.amazonaws.com"),
            Tags = AwsTags.Named(tags, $"{name}-cluster"),
        }, self);
        var clusterPolicy = new RolePolicyAttachment($"{name}-cluster", new RolePolicyAttachmentArgs
        {
            Role = clusterRole.Name,
            PolicyArn = partition.Apply(p => IamPolicies.ManagedPolicyArn(p, "AmazonEKSClusterPolicy")),
        }, self);
        var clusterKeyPolicy = new RolePolicy($"{name}-cluster-kms", new RolePolicyArgs
        {
            Role = clusterRole.Id,
            Policy = secretsKey.Arn.Apply(arn => IamPolicies.Document([
                new IamPolicies.Statement("EncryptSecrets", ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], [arn]),
            ])),
        }, self);

        var cluster = new Cluster(name, new ClusterArgs
        {
            Name = clusterName,
            Version = eks.Version,
            RoleArn = clusterRole.Arn,
            VpcConfig = new ClusterVpcConfigArgs
            {
                SubnetIds = publicSubnets.Concat(privateSubnets).Select(subnet => subnet.Id).ToList(),
                EndpointPrivateAccess = true,
                EndpointPublicAccess = true,
                PublicAccessCidrs = eks.ApiAllowedCidrs.ToList(),
            },
            AccessConfig = new ClusterAccessConfigArgs
            {
                AuthenticationMode = "API",
                // Whoever runs `pulumi up` can administer the cluster (and deploy the app into it).
                BootstrapClusterCreatorAdminPermissions = true,
            },
            EncryptionConfig = new ClusterEncryptionConfigArgs
            {
                Provider = new ClusterEncryptionConfigProviderArgs { KeyArn = secretsKey.Arn },
                Resources = { "secrets" },
            },
            EnabledClusterLogTypes = { "api", "audit", "authenticator" },
            Tags = AwsTags.Named(tags, clusterName),
        }, new CustomResourceOptions { Parent = this, DependsOn = { clusterPolicy, clusterKeyPolicy } });

        var nodeRole = new Role($"{name}-nodes", new RoleArgs
        {
            Description = $"Nodes of {clusterName}",
            AssumeRolePolicy = IamPolicies.AssumeRole("ec2.amazonaws.com"),
            Tags = AwsTags.Named(tags, $"{name}-nodes"),
        }, self);
        var nodePolicies = NodePolicies
            .Select(policy => (Resource)new RolePolicyAttachment($"{name}-nodes-{policy}", new RolePolicyAttachmentArgs
            {
                Role = nodeRole.Name,
                PolicyArn = partition.Apply(p => IamPolicies.ManagedPolicyArn(p, policy)),
            }, self))
            .ToList();

        var launchTemplate = new LaunchTemplate($"{name}-nodes", new LaunchTemplateArgs
        {
            Description = $"Nodes of {clusterName}: IMDSv2 only, encrypted disks",
            UpdateDefaultVersion = true,
            MetadataOptions = new LaunchTemplateMetadataOptionsArgs
            {
                HttpEndpoint = "enabled",
                HttpTokens = "required",
                // One hop: pods cannot borrow the node role from the instance metadata service.
                HttpPutResponseHopLimit = 1,
            },
            BlockDeviceMappings =
            {
                new LaunchTemplateBlockDeviceMappingArgs
                {
                    DeviceName = "/dev/xvda",
                    Ebs = new LaunchTemplateBlockDeviceMappingEbsArgs
                    {
                        Encrypted = "true",
                        VolumeSize = 30,
                        VolumeType = "gp3",
                        DeleteOnTermination = "true",
                    },
                },
            },
            TagSpecifications =
            {
                new LaunchTemplateTagSpecificationArgs { ResourceType = "instance", Tags = AwsTags.Named(tags, $"{name}-node") },
                new LaunchTemplateTagSpecificationArgs { ResourceType = "volume", Tags = AwsTags.Named(tags, $"{name}-node") },
            },
            Tags = AwsTags.Named(tags, $"{name}-nodes"),
        }, self);

        var nodeGroup = new NodeGroup(name, new NodeGroupArgs
        {
            ClusterName = cluster.Name,
            NodeRoleArn = nodeRole.Arn,
            SubnetIds = privateSubnets.Select(subnet => subnet.Id).ToList(),
            InstanceTypes = { eks.NodeInstanceType },
            // x86_64, like the image (app/Dockerfile publishes for linux-x64).
            AmiType = "AL2023_x86_64_STANDARD",
            CapacityType = "ON_DEMAND",
            ScalingConfig = new NodeGroupScalingConfigArgs
            {
                DesiredSize = eks.NodeCount,
                MinSize = eks.NodeCount,
                MaxSize = eks.NodeCount + 1,
            },
            UpdateConfig = new NodeGroupUpdateConfigArgs { MaxUnavailable = 1 },
            LaunchTemplate = new NodeGroupLaunchTemplateArgs
            {
                Id = launchTemplate.Id,
                Version = launchTemplate.LatestVersion.Apply(version => version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            },
            Tags = AwsTags.Named(tags, $"{name}-nodes"),
        }, new CustomResourceOptions { Parent = this, DependsOn = nodePolicies });

        ClusterName = cluster.Name;
        NodeGroup = nodeGroup;
        Kubeconfig = Output.CreateSecret(Output.Tuple(cluster.Name, cluster.Endpoint, cluster.CertificateAuthority, region)
            .Apply(t => Kubernetes.Kubeconfig.ForEks(t.Item1, t.Item2, t.Item3.Data ?? string.Empty, t.Item4)));

        RegisterOutputs(new Dictionary<string, object?>
        {
            ["clusterName"] = ClusterName,
            ["kubeconfig"] = Kubeconfig,
            ["vpcId"] = vpc.Id,
        });
    }

    public Output<string> ClusterName { get; }

    /// <summary>The app waits for nodes to exist before it is deployed.</summary>
    public NodeGroup NodeGroup { get; }

    public Output<string> Kubeconfig { get; }

    private static InputMap<string> Merge(InputMap<string> tags, string key, string clusterName)
    {
        tags.Add(key, "1");
        tags.Add($"kubernetes.io/cluster/{clusterName}", "shared");
        return tags;
    }

    /// <summary>Access to a cluster the stack does not manage, by name.</summary>
    public static Output<string> KubeconfigOfExisting(string clusterName)
    {
        var cluster = GetCluster.Invoke(new GetClusterInvokeArgs { Name = clusterName });
        var region = GetRegion.Invoke().Apply(r => r.Region);
        return Output.CreateSecret(Output.Tuple(cluster, region).Apply(t =>
            Kubernetes.Kubeconfig.ForEks(clusterName, t.Item1.Endpoint, t.Item1.CertificateAuthorities.IsDefaultOrEmpty ? string.Empty : t.Item1.CertificateAuthorities[0].Data, t.Item2)));
    }
}
