using System.Text.Json;
using SpecEditor.Infra.ComposeHost;
using SpecEditor.Infra.Tests.TestSupport;

namespace SpecEditor.Infra.Tests.ComposeHost;

public sealed class ComposeHostTests
{
    public static TheoryData<string> Registries => new() { "ghcr", "ecr" };

    [Theory]
    [MemberData(nameof(Registries))]
    public async Task The_instance_requires_imdsv2_within_one_hop_has_no_ssh_key_an_encrypted_root_and_is_replaced_when_user_data_changes(string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For("ec2", registry));

        var instance = run.Single("aws:ec2/instance:Instance");
        Assert.Equal("required", instance.Text("metadataOptions.httpTokens"));
        Assert.Equal("enabled", instance.Text("metadataOptions.httpEndpoint"));
        // Only the host reaches the metadata service; containers (job containers run agent code) are a hop too far.
        Assert.Equal(1, instance.Number("metadataOptions.httpPutResponseHopLimit"));
        Assert.Null(instance.Get("keyName"));
        Assert.Equal(true, instance.Get("rootBlockDevice.encrypted"));
        Assert.Equal(true, instance.Get("userDataReplaceOnChange"));
        Assert.Equal("t3.small", instance.Text("instanceType"));
        Assert.Equal(MockCloud.AmiId, instance.Text("ami"));
    }

    [Fact]
    public async Task The_ami_is_the_latest_amazon_linux_2023_from_amazon_looked_up_at_run_time()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("ec2", "ecr"));

        var lookup = Assert.Single(run.Invokes, invoke => invoke.Token == "aws:ec2/getAmi:getAmi");
        Assert.Equal(true, lookup.Args["mostRecent"]);
        Assert.Equal(["amazon"], ((IEnumerable<object>)lookup.Args["owners"]).Cast<string>());
        var filters = ((IEnumerable<object>)lookup.Args["filters"]).Cast<IReadOnlyDictionary<string, object>>()
            .ToDictionary(f => (string)f["name"], f => ((IEnumerable<object>)f["values"]).Cast<string>().Single());
        Assert.Equal("al2023-ami-2023.*-kernel-*-x86_64", filters["name"]);
        Assert.Equal("x86_64", filters["architecture"]);
    }

    [Fact]
    public async Task The_security_group_opens_only_the_app_port_to_the_configured_cidrs_and_https_out()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("ec2", "ecr"));

        var group = run.Single("aws:ec2/securityGroup:SecurityGroup");
        var ingress = Assert.Single(group.List("ingress")).AsRecorded();
        Assert.Equal(("tcp", 8080, 8080), (ingress.Text("protocol"), ingress.Number("fromPort"), ingress.Number("toPort")));
        Assert.Equal([StackConfigs.AppCidr], ingress.List("cidrBlocks").Cast<string>());
        var egress = Assert.Single(group.List("egress")).AsRecorded();
        Assert.Equal(("tcp", 443, 443), (egress.Text("protocol"), egress.Number("fromPort"), egress.Number("toPort")));
    }

    [Fact]
    public async Task The_app_port_and_cidrs_are_configurable()
    {
        var config = StackConfigs.For("ec2", "ecr");
        config["appPort"] = "9443";
        config["allowedCidrs"] = StackConfigs.Json(new[] { "198.51.100.0/24", "192.0.2.10/32" });

        var run = await StackRun.RunAsync(config);

        var ingress = run.Single("aws:ec2/securityGroup:SecurityGroup").List("ingress").Select(rule => rule.AsRecorded()).ToList();
        Assert.All(ingress, rule => Assert.Equal((9443, 9443), (rule.Number("fromPort"), rule.Number("toPort"))));
        Assert.Equal(["198.51.100.0/24", "192.0.2.10/32"], ingress.SelectMany(rule => rule.List("cidrBlocks")).Cast<string>());
        Assert.Equal($"http://{MockCloud.ElasticIp}:9443", await run.OutputAsync("appUrl"));
    }

    [Fact]
    public async Task The_role_has_ssm_core_and_reads_only_its_own_parameters_with_ghcr()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("ec2", "ghcr"));

        Assert.Contains("ec2.amazonaws.com", run.Single("aws:iam/role:Role").Text("assumeRolePolicy"), StringComparison.Ordinal);
        Assert.Equal(["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"], run.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").Select(a => a.Text("policyArn")));

        var statements = Statements(run);
        var read = Assert.Single(statements);
        Assert.Equal(["ssm:GetParameter", "ssm:GetParameters"], read.Actions);
        Assert.Equal(run.OfType("aws:ssm/parameter:Parameter").Select(p => $"arn:aws:ssm:{MockCloud.Region}:{MockCloud.AccountId}:parameter{p.Text("name")}").Order(StringComparer.Ordinal), read.Resources.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task With_ecr_the_role_may_also_pull_from_that_one_repository()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("ec2", "ecr"));

        var statements = Statements(run).ToDictionary(s => s.Sid);
        Assert.Equal(["ecr:GetAuthorizationToken"], statements["EcrLogin"].Actions);
        Assert.Equal(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], statements["EcrPull"].Actions);
        Assert.Equal([$"arn:aws:ecr:{MockCloud.Region}:{MockCloud.AccountId}:repository/spec-editor/dev"], statements["EcrPull"].Resources);
        // The only wildcard is the one ECR's login action requires.
        Assert.All(statements.Values.Where(s => s.Resources.Contains("*")), s => Assert.Equal(["ecr:GetAuthorizationToken"], s.Actions));
    }

    [Fact]
    public async Task Secrets_become_secure_string_parameters_under_the_stack_prefix()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("ec2", "ghcr"));

        var parameters = run.OfType("aws:ssm/parameter:Parameter").ToDictionary(p => p.Text("name")!);
        Assert.Equal(["/spec-editor/dev/env/DATABASE_URL", "/spec-editor/dev/env/GH_TOKEN", "/spec-editor/dev/registry/ghcr-token"], parameters.Keys.Order(StringComparer.Ordinal));
        Assert.All(parameters.Values, p => Assert.Equal("SecureString", p.Text("type")));
        Assert.Equal(StackConfigs.GhToken, parameters["/spec-editor/dev/env/GH_TOKEN"].Text("value"));
        Assert.Equal(StackConfigs.DatabaseUrl, parameters["/spec-editor/dev/env/DATABASE_URL"].Text("value"));
        // The host pulls with the read-only token, never the push token.
        Assert.Equal(StackConfigs.GhcrPullToken, parameters["/spec-editor/dev/registry/ghcr-token"].Text("value"));
    }

    [Theory]
    [MemberData(nameof(Registries))]
    public async Task No_secret_is_in_the_user_data_only_parameter_names(string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For("ec2", registry));

        var userData = UserData(run);
        Assert.All(StackConfigs.SecretValues, secret => Assert.DoesNotContain(secret, userData, StringComparison.Ordinal));
        Assert.Contains("GH_TOKEN=/spec-editor/dev/env/GH_TOKEN", userData, StringComparison.Ordinal);
        Assert.Contains("DATABASE_URL=/spec-editor/dev/env/DATABASE_URL", userData, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Registries))]
    public async Task A_new_image_digest_changes_the_user_data_and_the_same_digest_leaves_it_unchanged(string registry)
    {
        var first = new MockCloudOptions { ImageDigest = "sha256:" + new string('1', 64) };
        var second = new MockCloudOptions { ImageDigest = "sha256:" + new string('2', 64) };

        var before = UserData(await StackRun.RunAsync(StackConfigs.For("ec2", registry), options: first));
        var again = UserData(await StackRun.RunAsync(StackConfigs.For("ec2", registry), options: first));
        var after = UserData(await StackRun.RunAsync(StackConfigs.For("ec2", registry), options: second));

        Assert.Equal(before, again);
        Assert.NotEqual(before, after);
        Assert.Contains("@" + first.ImageDigest, before, StringComparison.Ordinal);
        Assert.Contains("@" + second.ImageDigest, after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_secret_value_replaces_the_host_through_its_parameter_version()
    {
        var before = UserData(await StackRun.RunAsync(StackConfigs.For("ec2", "ecr"), options: new MockCloudOptions { ParameterVersion = 1 }));
        var after = UserData(await StackRun.RunAsync(StackConfigs.For("ec2", "ecr"), options: new MockCloudOptions { ParameterVersion = 2 }));

        Assert.NotEqual(before, after);
        Assert.Contains("DATABASE_URL=2 GH_TOKEN=2", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_lives_on_an_encrypted_volume_in_the_host_zone_and_the_address_survives_replacement()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("ec2", "ecr"));

        var volume = run.Single("aws:ebs/volume:Volume");
        Assert.Equal(true, volume.Get("encrypted"));
        Assert.Equal(10, volume.Number("size"));
        // AWS listed the default subnets B then A; the host takes the first in sorted order, and its volume follows it.
        Assert.Equal(MockCloud.DefaultSubnetA, run.Single("aws:ec2/instance:Instance").Text("subnetId"));
        Assert.Equal($"{MockCloud.Region}a", volume.Text("availabilityZone"));

        var attachment = run.Single("aws:ec2/volumeAttachment:VolumeAttachment");
        Assert.Equal((MockCloud.InstanceId, MockCloud.DataVolumeId, "/dev/sdf"), (attachment.Text("instanceId"), attachment.Text("volumeId"), attachment.Text("deviceName")));
        Assert.Equal(MockCloud.InstanceId, run.Single("aws:ec2/eipAssociation:EipAssociation").Text("instanceId"));
        Assert.Contains($"DATA_VOLUME_ID='{MockCloud.DataVolumeId}'", UserData(run), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_subnet_is_used_instead_of_the_default_vpc()
    {
        var config = StackConfigs.For("ec2", "ecr");
        config["subnetId"] = "subnet-0123456789abcdef0";

        var run = await StackRun.RunAsync(config);

        Assert.Equal("subnet-0123456789abcdef0", run.Single("aws:ec2/instance:Instance").Text("subnetId"));
        Assert.DoesNotContain(run.Invokes, invoke => invoke.Token == "aws:ec2/getVpc:getVpc");
    }

    [Fact]
    public async Task The_outputs_say_how_to_reach_the_host()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("ec2", "ghcr"));

        Assert.Equal($"http://{MockCloud.ElasticIp}:8080", await run.OutputAsync("appUrl"));
        Assert.Equal($"http://{MockCloud.ElasticIp}:8080/health/ready", await run.OutputAsync("healthUrl"));
        Assert.Equal(MockCloud.InstanceId, await run.OutputAsync("instanceId"));
        Assert.Equal($"aws ssm start-session --target {MockCloud.InstanceId} --region {MockCloud.Region}", await run.OutputAsync("ssmSessionCommand"));
    }

    [Fact]
    public void Without_app_compose_yaml_the_ec2_target_stops_with_a_clear_message()
    {
        using var root = new TempDirectory("infra-tests");

        var error = Assert.Throws<Pulumi.RunException>(() => ComposeFile.Read(root.Path));

        Assert.Contains(Path.Combine("app", "compose.yaml"), error.Message, StringComparison.Ordinal);
    }

    internal static string UserData(StackRun run) => run.Single("aws:ec2/instance:Instance").Text("userData")!;

    private static List<(string Sid, List<string> Actions, List<string> Resources)> Statements(StackRun run)
    {
        using var policy = JsonDocument.Parse(run.Single("aws:iam/rolePolicy:RolePolicy").Text("policy")!);
        return policy.RootElement.GetProperty("Statement").EnumerateArray().Select(statement =>
        {
            Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
            return (statement.GetProperty("Sid").GetString()!,
                statement.GetProperty("Action").EnumerateArray().Select(a => a.GetString()!).ToList(),
                statement.GetProperty("Resource").EnumerateArray().Select(r => r.GetString()!).ToList());
        }).ToList();
    }
}
