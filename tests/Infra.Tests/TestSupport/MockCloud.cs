using System.Collections.Immutable;
using Moq;
using Pulumi.Testing;

namespace SpecEditor.Infra.Tests.TestSupport;

/// <summary>A resource the program declared, with the inputs it sent to the engine.</summary>
/// <param name="Provider">The provider reference (<c>urn::id</c>) the resource was declared with; empty for the default one.</param>
internal sealed record RecordedResource(string Type, string Name, ImmutableDictionary<string, object> Inputs, string Provider = "")
{
    /// <summary>The input at a dotted path (<c>metadataOptions.httpTokens</c>, <c>ingress[0].fromPort</c>), or null.</summary>
    public object? Get(string path)
    {
        object? current = Inputs;
        foreach (var segment in path.Split('.'))
        {
            var name = segment;
            int? index = null;
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                name = segment[..bracket];
                index = int.Parse(segment[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            }

            current = current is IReadOnlyDictionary<string, object> map && map.TryGetValue(name, out var next) ? next : null;
            if (index is { } i)
            {
                current = current is ImmutableArray<object> list && i < list.Length ? list[i] : null;
            }
        }

        return current;
    }

    public string? Text(string path) => Get(path) as string;

    public int? Number(string path) => Get(path) is double number ? (int)number : null;

    public IReadOnlyList<object> List(string path) => Get(path) is ImmutableArray<object> list ? list : [];

    public IReadOnlyDictionary<string, string> Map(string path) => Get(path) is IReadOnlyDictionary<string, object> map
        ? map.ToDictionary(pair => pair.Key, pair => pair.Value as string ?? pair.Value.ToString()!, StringComparer.Ordinal)
        : new Dictionary<string, string>();
}

/// <summary>How the mocked cloud answers: what the image build produced and the versions of parameters.</summary>
internal sealed record MockCloudOptions
{
    public string ImageDigest { get; init; } = "sha256:" + new string('a', 64);

    public int ParameterVersion { get; init; } = 1;
}

/// <summary>
/// Pulumi's in-process engine mocks (a Moq <see cref="IMocks"/>), answering like AWS, Docker and Kubernetes would for the
/// few outputs the program reads, and recording every resource and invoke.
/// </summary>
internal sealed class MockCloud
{
    public const string AccountId = "123456789012";
    public const string Region = "eu-west-1";
    public const string ElasticIp = "198.51.100.7";
    public const string InstanceId = "i-0123456789abcdef0";
    public const string DataVolumeId = "vol-0123456789abcdef0";
    public const string LoadBalancerHost = "a1b2c3.elb.eu-west-1.amazonaws.com";
    public const string AmiId = "ami-0aa11bb22cc33dd44";
    public const string DefaultSubnetA = "subnet-0aaaaaaaaaaaaaaaa";
    public const string DefaultSubnetB = "subnet-0bbbbbbbbbbbbbbbb";

    private readonly MockCloudOptions options;
    private readonly List<RecordedResource> resources = [];
    private readonly List<MockCallArgs> invokes = [];

    public MockCloud(MockCloudOptions options)
    {
        this.options = options;
        Mock = new Mock<IMocks>(MockBehavior.Strict);
        Mock.Setup(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>())).ReturnsAsync((MockResourceArgs args) => NewResource(args));
        Mock.Setup(m => m.CallAsync(It.IsAny<MockCallArgs>())).ReturnsAsync((MockCallArgs args) => Call(args));
        Mock.Setup(m => m.RegisterResourceOutputs(It.IsAny<MockRegisterResourceOutputsRequest>())).Returns(Task.CompletedTask);
    }

    public Mock<IMocks> Mock { get; }

    public IReadOnlyList<RecordedResource> Resources
    {
        get
        {
            lock (resources)
            {
                return [.. resources];
            }
        }
    }

    public IReadOnlyList<MockCallArgs> Invokes
    {
        get
        {
            lock (invokes)
            {
                return [.. invokes];
            }
        }
    }

    private (string? Id, object State) NewResource(MockResourceArgs args)
    {
        var type = args.Type!;
        var name = args.Name!;
        lock (resources)
        {
            resources.Add(new RecordedResource(type, name, args.Inputs, args.Provider ?? ""));
        }

        var state = new Dictionary<string, object>(args.Inputs);
        var id = $"{name}-id";
        switch (type)
        {
            case "docker:index/image:Image":
                var hex = options.ImageDigest["sha256:".Length..];
                var imageName = (string)args.Inputs["imageName"];
                var repository = imageName[..imageName.LastIndexOf(':')];
                state["repoDigest"] = args.Inputs.TryGetValue("skipPush", out var skip) && skip is true ? options.ImageDigest : $"{repository}@sha256:{hex}";
                state["imageName"] = imageName;
                break;
            case "docker:index/tag:Tag":
                state["sourceImageId"] = options.ImageDigest;
                break;
            case "aws:ecr/repository:Repository":
                state["repositoryUrl"] = $"{AccountId}.dkr.ecr.{Region}.amazonaws.com/{args.Inputs["name"]}";
                state["arn"] = $"arn:aws:ecr:{Region}:{AccountId}:repository/{args.Inputs["name"]}";
                state["registryId"] = AccountId;
                break;
            case "aws:ssm/parameter:Parameter":
                state["arn"] = $"arn:aws:ssm:{Region}:{AccountId}:parameter{args.Inputs["name"]}";
                state["version"] = options.ParameterVersion;
                break;
            case "aws:ec2/eip:Eip":
                state["publicIp"] = ElasticIp;
                state["allocationId"] = "eipalloc-0123456789abcdef0";
                id = "eipalloc-0123456789abcdef0";
                break;
            case "aws:ec2/instance:Instance":
                id = InstanceId;
                break;
            case "aws:ebs/volume:Volume":
                id = DataVolumeId;
                break;
            case "aws:iam/role:Role":
                state["name"] = name;
                state["arn"] = $"arn:aws:iam::{AccountId}:role/{name}";
                break;
            case "aws:iam/instanceProfile:InstanceProfile":
                state["name"] = name;
                break;
            case "aws:kms/key:Key":
                state["arn"] = $"arn:aws:kms:{Region}:{AccountId}:key/{name}";
                break;
            case "aws:eks/cluster:Cluster":
                state["endpoint"] = "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com";
                state["certificateAuthority"] = ImmutableDictionary<string, object>.Empty.Add("data", "Q0EtREFUQQ==");
                break;
            case "aws:ec2/launchTemplate:LaunchTemplate":
                state["latestVersion"] = 3;
                break;
        }

        if (type.StartsWith("kubernetes:", StringComparison.Ordinal) && !type.StartsWith("kubernetes:pulumi:", StringComparison.Ordinal))
        {
            state["metadata"] = KubernetesMetadata(args);
            if (type == "kubernetes:core/v1:Service" && args.Inputs.TryGetValue("spec", out var spec)
                && spec is IReadOnlyDictionary<string, object> serviceSpec && serviceSpec.GetValueOrDefault("type") as string == "LoadBalancer")
            {
                state["status"] = Map("loadBalancer", Map("ingress", ImmutableArray.Create<object>(Map("hostname", LoadBalancerHost))));
            }
        }

        return (id, state);
    }

    /// <summary>Objects without a name get a generated one, as the Kubernetes provider's auto-naming does.</summary>
    private static ImmutableDictionary<string, object> KubernetesMetadata(MockResourceArgs args)
    {
        var metadata = args.Inputs.TryGetValue("metadata", out var value) && value is ImmutableDictionary<string, object> given
            ? given
            : ImmutableDictionary<string, object>.Empty;
        return metadata.ContainsKey("name") ? metadata : metadata.Add("name", $"{args.Name}-5f3c9a1e");
    }

    private object Call(MockCallArgs args)
    {
        lock (invokes)
        {
            invokes.Add(args);
        }

        return args.Token switch
        {
            "aws:index/getRegion:getRegion" => new Dictionary<string, object> { ["region"] = Region, ["name"] = Region, ["id"] = Region },
            "aws:index/getPartition:getPartition" => new Dictionary<string, object> { ["partition"] = "aws", ["dnsSuffix"] = "amazonaws.com", ["id"] = "aws" },
            "aws:index/getAvailabilityZones:getAvailabilityZones" => new Dictionary<string, object>
            {
                ["names"] = ImmutableArray.Create<object>($"{Region}a", $"{Region}b", $"{Region}c"),
                ["id"] = Region,
            },
            "aws:ec2/getVpc:getVpc" => new Dictionary<string, object> { ["id"] = "vpc-0default000000000", ["default"] = true },
            "aws:ec2/getSubnets:getSubnets" => new Dictionary<string, object>
            {
                // Out of order on purpose: the program must pick the same subnet whatever order AWS lists them in.
                ["ids"] = ImmutableArray.Create<object>(DefaultSubnetB, DefaultSubnetA),
                ["id"] = Region,
            },
            "aws:ec2/getSubnet:getSubnet" => new Dictionary<string, object>
            {
                ["id"] = args.Args["id"],
                ["vpcId"] = "vpc-0default000000000",
                ["availabilityZone"] = (string)args.Args["id"] == DefaultSubnetB ? $"{Region}b" : $"{Region}a",
            },
            "aws:ec2/getAmi:getAmi" => new Dictionary<string, object> { ["id"] = AmiId, ["imageId"] = AmiId, ["architecture"] = "x86_64" },
            "aws:ecr/getAuthorizationToken:getAuthorizationToken" => new Dictionary<string, object>
            {
                ["userName"] = "AWS",
                ["password"] = "ecr-login-password-from-aws",
                ["proxyEndpoint"] = $"https://{AccountId}.dkr.ecr.{Region}.amazonaws.com",
                ["id"] = Region,
            },
            "aws:eks/getCluster:getCluster" => new Dictionary<string, object>
            {
                ["name"] = args.Args["name"],
                ["endpoint"] = "https://EXISTING.gr7.eu-west-1.eks.amazonaws.com",
                ["certificateAuthorities"] = ImmutableArray.Create<object>(Map("data", "RVhJU1RJTkctQ0E=")),
                ["id"] = args.Args["name"],
            },
            _ => throw new InvalidOperationException($"The mocked cloud does not answer {args.Token}"),
        };
    }

    private static ImmutableDictionary<string, object> Map(string key, object value) => ImmutableDictionary<string, object>.Empty.Add(key, value);
}

internal static class RecordedValues
{
    /// <summary>A nested object of a resource's inputs (a rule, a container), readable with the same path helpers.</summary>
    public static RecordedResource AsRecorded(this object value) => new("", "", (ImmutableDictionary<string, object>)value);
}
