using System.Text.Json;
using SpecEditor.Infra.Kubernetes;
using SpecEditor.Infra.Tests.TestSupport;

namespace SpecEditor.Infra.Tests.Kubernetes;

public sealed class EksClusterTests
{
    [Fact]
    public async Task A_created_cluster_spans_two_zones_with_nodes_in_private_subnets_behind_a_nat_gateway()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("eks", "ecr"));

        var subnets = run.OfType("aws:ec2/subnet:Subnet").ToDictionary(s => s.Name);
        Assert.Equal(["cluster-private-0", "cluster-private-1", "cluster-public-0", "cluster-public-1"], subnets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["10.0.0.0/20", "10.0.16.0/20"], new[] { subnets["cluster-public-0"], subnets["cluster-public-1"] }.Select(s => s.Text("cidrBlock")));
        Assert.Equal(["10.0.128.0/20", "10.0.144.0/20"], new[] { subnets["cluster-private-0"], subnets["cluster-private-1"] }.Select(s => s.Text("cidrBlock")));
        Assert.Equal([$"{MockCloud.Region}a", $"{MockCloud.Region}b"], new[] { subnets["cluster-private-0"], subnets["cluster-private-1"] }.Select(s => s.Text("availabilityZone")));
        Assert.All(subnets.Values, s => Assert.Equal(false, s.Get("mapPublicIpOnLaunch")));
        Assert.Equal("1", subnets["cluster-public-0"].Map("tags")["kubernetes.io/role/elb"]);
        Assert.Equal("1", subnets["cluster-private-0"].Map("tags")["kubernetes.io/role/internal-elb"]);

        var nodes = run.Single("aws:eks/nodeGroup:NodeGroup");
        Assert.Equal(["cluster-private-0-id", "cluster-private-1-id"], nodes.List("subnetIds").Cast<string>());
        Assert.Equal("AL2023_x86_64_STANDARD", nodes.Text("amiType"));
        Assert.Equal((2, 2, 3), (nodes.Number("scalingConfig.desiredSize"), nodes.Number("scalingConfig.minSize"), nodes.Number("scalingConfig.maxSize")));
        Assert.Equal("cluster-id", run.Named("aws:ec2/routeTable:RouteTable", "cluster-private").Text("routes[0].natGatewayId"));
    }

    [Fact]
    public async Task The_control_plane_encrypts_secrets_with_a_rotated_key_and_logs_audits()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("eks", "ecr"));

        var cluster = run.Single("aws:eks/cluster:Cluster");
        Assert.Equal("spec-editor-dev", cluster.Text("name"));
        Assert.Equal("1.35", cluster.Text("version"));
        Assert.Equal(["secrets"], cluster.List("encryptionConfig.resources").Cast<string>());
        Assert.Equal($"arn:aws:kms:{MockCloud.Region}:{MockCloud.AccountId}:key/cluster-secrets", cluster.Text("encryptionConfig.provider.keyArn"));
        Assert.Equal(true, run.Single("aws:kms/key:Key").Get("enableKeyRotation"));
        Assert.Contains("audit", cluster.List("enabledClusterLogTypes").Cast<string>());
        Assert.Equal("API", cluster.Text("accessConfig.authenticationMode"));
        Assert.Equal(["0.0.0.0/0"], cluster.List("vpcConfig.publicAccessCidrs").Cast<string>());
    }

    [Fact]
    public async Task Nodes_require_imdsv2_with_one_hop_use_encrypted_disks_and_get_only_the_node_policies()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("eks", "ecr"));

        var template = run.Single("aws:ec2/launchTemplate:LaunchTemplate");
        Assert.Equal("required", template.Text("metadataOptions.httpTokens"));
        Assert.Equal(1, template.Number("metadataOptions.httpPutResponseHopLimit"));
        Assert.Equal("true", template.Text("blockDeviceMappings[0].ebs.encrypted"));
        Assert.Null(template.Get("keyName"));
        Assert.Equal("3", run.Single("aws:eks/nodeGroup:NodeGroup").Text("launchTemplate.version"));

        var nodePolicies = run.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .Where(a => a.Text("role") == "cluster-nodes")
            .Select(a => a.Text("policyArn")!["arn:aws:iam::aws:policy/".Length..]);
        Assert.Equal(EksCluster.NodePolicies.Order(StringComparer.Ordinal), nodePolicies.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_kubeconfig_output_is_secret_and_authenticates_with_aws_eks_get_token()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("eks", "ecr"));

        Assert.True(await run.IsSecretOutputAsync("kubeconfig"));
        using var kubeconfig = JsonDocument.Parse(await run.OutputAsync("kubeconfig"));
        var root = kubeconfig.RootElement;
        Assert.Equal("https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com", root.GetProperty("clusters")[0].GetProperty("cluster").GetProperty("server").GetString());
        Assert.Equal("Q0EtREFUQQ==", root.GetProperty("clusters")[0].GetProperty("cluster").GetProperty("certificate-authority-data").GetString());
        var exec = root.GetProperty("users")[0].GetProperty("user").GetProperty("exec");
        Assert.Equal("aws", exec.GetProperty("command").GetString());
        Assert.Equal(["eks", "get-token", "--cluster-name", "spec-editor-dev", "--region", MockCloud.Region, "--output", "json"], exec.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("spec-editor-dev", await run.OutputAsync("clusterName"));
    }

    [Fact]
    public async Task An_existing_cluster_named_in_config_is_used_instead_of_creating_one()
    {
        var config = StackConfigs.For("eks", "ecr");
        config["eksClusterName"] = "platform-shared";

        var run = await StackRun.RunAsync(config);

        Assert.Empty(run.OfType("aws:eks/cluster:Cluster"));
        Assert.Empty(run.OfType("aws:ec2/vpc:Vpc"));
        Assert.Contains(run.Invokes, invoke => invoke.Token == "aws:eks/getCluster:getCluster" && (string)invoke.Args["name"] == "platform-shared");
        Assert.True(await run.IsSecretOutputAsync("kubeconfig"));
        Assert.Contains("https://EXISTING.gr7.eu-west-1.eks.amazonaws.com", await run.OutputAsync("kubeconfig"), StringComparison.Ordinal);
        Assert.Equal("platform-shared", await run.OutputAsync("clusterName"));
        Assert.Single(run.OfType("kubernetes:apps/v1:Deployment"));
    }

    [Theory]
    [InlineData("10.0.0.0/16", 4, 0, "10.0.0.0/20")]
    [InlineData("10.0.0.0/16", 4, 9, "10.0.144.0/20")]
    [InlineData("172.20.16.0/20", 4, 15, "172.20.31.0/24")]
    public void Subnets_are_carved_in_order_from_the_vpc_range(string network, int extraBits, int index, string expected)
    {
        Assert.Equal(expected, Subnetting.Carve(network, extraBits, index));
    }
}
