using SpecEditor.Infra.Tests.TestSupport;

namespace SpecEditor.Infra.Tests;

/// <summary>What must hold for every target and registry.</summary>
public sealed class StackTests
{
    /// <summary>AWS resource types that take no tags; every other AWS resource must carry the standard ones.</summary>
    private static readonly HashSet<string> Untaggable =
    [
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:ec2/eipAssociation:EipAssociation",
        "aws:ec2/volumeAttachment:VolumeAttachment",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    ];

    [Theory]
    [MemberData(nameof(StackConfigs.Combinations), MemberType = typeof(StackConfigs))]
    public async Task Every_combination_outputs_the_app_url_health_url_and_image(string target, string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For(target, registry));

        var appUrl = await run.OutputAsync("appUrl");
        Assert.StartsWith("http", appUrl, StringComparison.Ordinal);
        Assert.Equal(appUrl + "/health/ready", await run.OutputAsync("healthUrl"));
        Assert.Equal(target, await run.OutputAsync("target"));
        var image = await run.OutputAsync("image");
        Assert.True(target == "minikube" ? image.StartsWith("spec-editor:", StringComparison.Ordinal) : image.Contains("@sha256:", StringComparison.Ordinal), image);
    }

    [Theory]
    [MemberData(nameof(StackConfigs.Combinations), MemberType = typeof(StackConfigs))]
    public async Task A_preview_declares_the_same_resources_as_an_update(string target, string registry)
    {
        var preview = await StackRun.RunAsync(StackConfigs.For(target, registry), preview: true);
        var update = await StackRun.RunAsync(StackConfigs.For(target, registry));

        Assert.Equal(update.Resources.Select(r => $"{r.Type}::{r.Name}").Order(StringComparer.Ordinal), preview.Resources.Select(r => $"{r.Type}::{r.Name}").Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StackConfigs.Combinations), MemberType = typeof(StackConfigs))]
    public async Task Every_taggable_aws_resource_carries_the_standard_and_extra_tags(string target, string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For(target, registry));

        var taggable = run.Resources.Where(r => r.Type.StartsWith("aws:", StringComparison.Ordinal) && !Untaggable.Contains(r.Type)).ToList();
        Assert.All(taggable, resource =>
        {
            var tags = resource.Map("tags");
            Assert.True(tags.GetValueOrDefault("app") == "spec-editor", $"{resource.Type} {resource.Name} lacks app=spec-editor");
            Assert.Equal(("spec-editor", "dev", "pulumi", "platform"), (tags["pulumi-project"], tags["pulumi-stack"], tags["managed-by"], tags["cost-center"]));
            Assert.False(string.IsNullOrEmpty(tags.GetValueOrDefault("Name")), $"{resource.Type} {resource.Name} has no Name tag");
        });
        if (target == "minikube")
        {
            Assert.Empty(taggable);
        }
    }

    [Theory]
    [MemberData(nameof(StackConfigs.Combinations), MemberType = typeof(StackConfigs))]
    public async Task No_secret_appears_in_a_plain_output_and_the_kubeconfig_is_secret(string target, string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For(target, registry));

        foreach (var name in run.Outputs.Keys)
        {
            if (await run.IsSecretOutputAsync(name))
            {
                continue;
            }

            var value = await run.OutputAsync(name);
            Assert.All(StackConfigs.SecretValues, secret => Assert.DoesNotContain(secret, value, StringComparison.Ordinal));
        }

        Assert.Equal(target == "eks", run.Outputs.ContainsKey("kubeconfig"));
        if (target == "eks")
        {
            Assert.True(await run.IsSecretOutputAsync("kubeconfig"));
        }
    }

    [Theory]
    [MemberData(nameof(StackConfigs.Combinations), MemberType = typeof(StackConfigs))]
    public async Task With_the_default_cidrs_only_the_app_port_is_open_to_the_world_and_never_port_22(string target, string registry)
    {
        var config = StackConfigs.For(target, registry);
        config.Remove("allowedCidrs");

        var run = await StackRun.RunAsync(config);

        var ingress = run.OfType("aws:ec2/securityGroup:SecurityGroup").SelectMany(g => g.List("ingress")).Select(rule => rule.AsRecorded()).ToList();
        Assert.All(ingress, rule =>
        {
            Assert.Equal((8080, 8080), (rule.Number("fromPort"), rule.Number("toPort")));
            Assert.NotEqual("-1", rule.Text("protocol"));
        });
        Assert.DoesNotContain(ingress, rule => rule.Number("fromPort") <= 22 && rule.Number("toPort") >= 22);
        Assert.Empty(run.OfType("aws:ec2/securityGroupRule:SecurityGroupRule"));
        Assert.Empty(run.OfType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"));
        Assert.Equal(target == "ec2", ingress.Count > 0);
    }

    [Theory]
    [MemberData(nameof(StackConfigs.Combinations), MemberType = typeof(StackConfigs))]
    public async Task Kubernetes_resources_go_to_the_stack_cluster_and_never_to_the_ambient_kubeconfig(string target, string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For(target, registry));

        var provider = run.OfType("pulumi:providers:kubernetes").ToList();
        Assert.Equal(target == "ec2" ? 0 : 1, provider.Count);
        Assert.All(run.Resources.Where(r => r.Type.StartsWith("kubernetes:", StringComparison.Ordinal) && !r.Type.StartsWith("kubernetes:pulumi", StringComparison.Ordinal)),
            resource => Assert.Contains($"::{provider[0].Name}::", resource.Provider, StringComparison.Ordinal));
    }
}
