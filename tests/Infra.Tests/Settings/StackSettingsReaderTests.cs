using SpecEditor.Infra.Settings;
using SpecEditor.Infra.Tests.TestSupport;

namespace SpecEditor.Infra.Tests.Settings;

public sealed class StackSettingsReaderTests
{
    [Fact]
    public void A_missing_target_names_the_key_and_the_allowed_values()
    {
        var error = Invalid(new Dictionary<string, string>());

        Assert.Contains("spec-editor:target: is required; use one of ec2, minikube, eks", error.Problems);
    }

    [Fact]
    public void An_unknown_target_is_refused_with_the_allowed_values()
    {
        var config = StackConfigs.For("ec2", "ghcr");
        config["target"] = "ecs";

        var error = Invalid(config);

        Assert.Contains("spec-editor:target: 'ecs' is not allowed; use one of ec2, minikube, eks", error.Problems);
    }

    [Fact]
    public void An_unknown_registry_is_refused_with_the_allowed_values()
    {
        var config = StackConfigs.For("eks", "ecr");
        config["registry"] = "dockerhub";

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:registry: 'dockerhub' is not allowed; use one of ghcr, ecr", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ec2")]
    [InlineData("eks")]
    public void Cloud_targets_need_a_registry(string target)
    {
        var config = StackConfigs.For(target, "ecr");
        config["registry"] = "";

        var error = Invalid(config);

        Assert.Contains($"spec-editor:registry: is required for target {target}; use one of ghcr, ecr", error.Problems);
    }

    [Fact]
    public void Minikube_runs_a_local_image_and_refuses_a_registry()
    {
        var config = StackConfigs.For("minikube", "ghcr");

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:registry: must be unset for target minikube", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var config = new Dictionary<string, string> { ["target"] = "ec2", ["registry"] = "ghcr", ["appPort"] = "http", ["instanceType"] = "huge" };

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:ghcrOwner: is required", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:ghcrToken: is required", StringComparison.Ordinal));
        Assert.Contains("spec-editor:appPort: 'http' is not a whole number from 1 to 65535", error.Problems);
        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:instanceType: 'huge' is not an EC2 instance type", StringComparison.Ordinal));
        Assert.Contains($"{error.Problems.Count} problems", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_error_is_a_pulumi_run_exception_so_the_cli_prints_only_the_message()
    {
        var error = Invalid(new Dictionary<string, string>());

        Assert.IsAssignableFrom<Pulumi.RunException>(error);
        Assert.Contains("spec-editor:target", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1/8")]
    [InlineData("everyone")]
    [InlineData("2001:db8::/32")]
    public void App_cidrs_must_be_ipv4_networks(string cidr)
    {
        var config = StackConfigs.For("ec2", "ecr");
        config["allowedCidrs"] = StackConfigs.Json(new[] { cidr });

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith($"spec-editor:allowedCidrs: '{cidr}' is not an IPv4 CIDR block", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ec2", "ecr")]
    [InlineData("eks", "ghcr")]
    public void The_local_store_without_sign_in_is_not_opened_to_the_internet(string target, string registry)
    {
        var config = StackConfigs.For(target, registry);
        config["allowedCidrs"] = StackConfigs.Json(new[] { "0.0.0.0/0" });
        config["appEnv"] = StackConfigs.Json(new Dictionary<string, string> { ["LOG_FORMAT"] = "json" });

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:appEnv: the local spec store has no sign-in, and allowedCidrs lets the whole internet reach it", StringComparison.Ordinal));

        // Either remedy is enough: sign-in with the GitHub store, or a network of one's own.
        config["appEnv"] = StackConfigs.Json(new Dictionary<string, string> { ["SPEC_STORE"] = "github", ["GH_REPO"] = "acme/specs" });
        Assert.Equal(["0.0.0.0/0"], StackConfigs.Settings(config).App.AllowedCidrs);
        config["appEnv"] = StackConfigs.Json(new Dictionary<string, string> { ["SPEC_STORE"] = "local" });
        config["allowedCidrs"] = StackConfigs.Json(new[] { StackConfigs.AppCidr });
        Assert.Equal("local", StackConfigs.Settings(config).App.Environment["SPEC_STORE"]);
    }

    [Fact]
    public void The_app_port_cannot_be_ssh()
    {
        var config = StackConfigs.For("ec2", "ecr");
        config["appPort"] = "22";

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:appPort: must not be 22", StringComparison.Ordinal));
    }

    [Fact]
    public void A_secret_in_plain_app_settings_is_refused_and_not_echoed()
    {
        var config = StackConfigs.For("ec2", "ecr");
        config["appEnv"] = StackConfigs.Json(new Dictionary<string, string> { ["GH_TOKEN"] = "ghp_plainTextOops" });

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:appEnv: 'GH_TOKEN' looks like a secret; move it to appSecrets", StringComparison.Ordinal));
        Assert.DoesNotContain("ghp_plainTextOops", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_value_that_an_env_file_cannot_carry_is_named_but_never_shown()
    {
        var config = StackConfigs.For("ec2", "ecr");
        config["appSecrets"] = StackConfigs.Json(new Dictionary<string, string> { ["DATABASE_URL"] = "postgres://u:it's-secret@db/x" });

        var error = Invalid(config);

        Assert.Contains("spec-editor:appSecrets: the value of 'DATABASE_URL' contains a line break or a single quote, which env files cannot carry", error.Problems);
        Assert.DoesNotContain("it's-secret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PORT")]
    [InlineData("DATA_DIR")]
    [InlineData("LISTEN_ADDRESS")]
    public void Variables_the_deployment_sets_cannot_be_overridden(string name)
    {
        var config = StackConfigs.For("eks", "ecr");
        config["appEnv"] = StackConfigs.Json(new Dictionary<string, string> { [name] = "x" });

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith($"spec-editor:appEnv: '{name}' is set by the deployment itself", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("AUTOMATION_RUNNER")]
    [InlineData("AUTOMATION_K8S_NAMESPACE")]
    [InlineData("AUTOMATION_K8S_WORKSPACE_CLAIM")]
    [InlineData("AUTOMATION_WORK_DIR")]
    public void Automation_variables_the_kubernetes_release_sets_cannot_be_overridden(string name)
    {
        var config = StackConfigs.For("minikube", "");
        config["appEnv"] = StackConfigs.Json(new Dictionary<string, string> { [name] = "x" });

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith($"spec-editor:appEnv: '{name}' is set by the Kubernetes release itself", StringComparison.Ordinal));
    }

    [Fact]
    public void Eks_needs_a_read_write_many_storage_class_for_the_run_workspaces()
    {
        var config = StackConfigs.For("eks", "ecr");
        config.Remove("workspaceStorageClass");

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:workspaceStorageClass: is required for target eks: a StorageClass that provisions ReadWriteMany volumes", StringComparison.Ordinal));
    }

    [Fact]
    public void The_workspace_storage_class_and_size_must_be_kubernetes_names_and_quantities()
    {
        var config = StackConfigs.For("minikube", "");
        config["workspaceStorageClass"] = "EFS SC";
        config["workspaceSize"] = "lots";

        var error = Invalid(config);

        Assert.Contains("spec-editor:workspaceStorageClass: 'EFS SC' is not a StorageClass name (lowercase letters, digits, '-' and '.')", error.Problems);
        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:workspaceSize: 'lots' is not a Kubernetes quantity", StringComparison.Ordinal));
    }

    [Fact]
    public void Minikube_puts_the_run_workspaces_on_its_default_storage_class()
    {
        var workspaces = StackConfigs.Settings(StackConfigs.For("minikube", "")).Kubernetes!.Workspaces;

        Assert.Equal(new WorkspaceVolumeSettings(null, "10Gi"), workspaces);
    }

    [Theory]
    [InlineData("t4g.small")]
    [InlineData("m7g.large")]
    [InlineData("c6gn.xlarge")]
    [InlineData("a1.medium")]
    public void Arm_instance_types_are_refused_because_the_image_is_x86_64(string instanceType)
    {
        var config = StackConfigs.For("ec2", "ecr");
        config["instanceType"] = instanceType;

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith($"spec-editor:instanceType: '{instanceType}' is an Arm (Graviton) type", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("t3.small")]
    [InlineData("m7i.large")]
    [InlineData("g5.xlarge")]
    public void X86_instance_types_are_accepted(string instanceType)
    {
        var config = StackConfigs.For("ec2", "ecr");
        config["instanceType"] = instanceType;

        Assert.Equal(instanceType, StackConfigs.Settings(config).Ec2!.InstanceType);
    }

    [Fact]
    public void Several_replicas_need_a_shared_database_and_the_github_store()
    {
        var config = StackConfigs.For("eks", "ecr");
        config["replicas"] = "3";
        config["appEnv"] = "{}";
        config["appSecrets"] = "{}";

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:replicas: 3 pods need a shared PostgreSQL database", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:replicas: 3 pods need the github spec store", StringComparison.Ordinal));
    }

    [Fact]
    public void A_map_key_given_as_text_is_explained()
    {
        var config = StackConfigs.For("eks", "ecr");
        config["appEnv"] = "SPEC_STORE=github";

        var error = Invalid(config);

        Assert.Contains(error.Problems, p => p.StartsWith("spec-editor:appEnv: is not a map of names to strings", StringComparison.Ordinal));
    }

    [Fact]
    public void Defaults_fill_in_what_the_stack_does_not_set()
    {
        var settings = StackConfigs.Settings(new Dictionary<string, string>
        {
            ["target"] = "ec2",
            ["registry"] = "ecr",
            ["appEnv"] = StackConfigs.Json(new Dictionary<string, string> { ["SPEC_STORE"] = "github" }),
        }, stack: "Staging");

        Assert.Equal(DeploymentTarget.Ec2, settings.Target);
        Assert.Equal(ImageRegistry.Ecr, settings.Image.Registry);
        Assert.Equal("spec-editor", settings.Image.Name);
        Assert.Equal("staging", settings.Image.Tag);
        Assert.Equal(8080, settings.App.Port);
        Assert.Equal(["0.0.0.0/0"], settings.App.AllowedCidrs);
        var ec2 = settings.Ec2!;
        Assert.Equal(("t3.small", 20, 10, (string?)null), (ec2.InstanceType, ec2.RootVolumeGiB, ec2.DataVolumeGiB, ec2.SubnetId));
        Assert.Equal([443], ec2.EgressPorts);
        Assert.Null(settings.Kubernetes);
        Assert.Null(settings.Eks);
    }

    [Fact]
    public void Ghcr_owner_is_lowercased_and_the_pull_token_defaults_to_the_push_token()
    {
        var config = StackConfigs.For("ec2", "ghcr");
        config.Remove("ghcrPullToken");
        config.Remove("ghcrUsername");

        var ghcr = StackConfigs.Settings(config).Image.Ghcr!;

        Assert.Equal("acme-platform", ghcr.Owner);
        Assert.Equal("Acme-Platform", ghcr.Username);
        Assert.Same(ghcr.PushToken, ghcr.PullToken);
    }

    [Fact]
    public void Resources_get_the_standard_tags_and_the_stack_extra_tags()
    {
        var settings = StackConfigs.Settings(StackConfigs.For("ec2", "ecr"), stack: "dev");

        Assert.Equal("spec-editor", settings.Tags["app"]);
        Assert.Equal("spec-editor", settings.Tags["pulumi-project"]);
        Assert.Equal("dev", settings.Tags["pulumi-stack"]);
        Assert.Equal("pulumi", settings.Tags["managed-by"]);
        Assert.Equal("platform", settings.Tags["cost-center"]);
    }

    [Fact]
    public void An_extra_tag_cannot_replace_a_standard_one()
    {
        var config = StackConfigs.For("ec2", "ecr");
        config["tags"] = StackConfigs.Json(new Dictionary<string, string> { ["managed-by"] = "hand" });

        var error = Invalid(config);

        Assert.Contains("spec-editor:tags: 'managed-by' is a standard tag set by the stack; choose another key", error.Problems);
    }

    [Fact]
    public async Task Secrets_print_as_a_placeholder_and_reach_resources_as_pulumi_secrets()
    {
        var settings = StackConfigs.Settings(StackConfigs.For("ec2", "ghcr"));

        Assert.Equal("[secret]", settings.App.Secrets["GH_TOKEN"].ToString());
        Assert.DoesNotContain(StackConfigs.GhcrPushToken, settings.ToString(), StringComparison.Ordinal);
        Assert.True(await Pulumi.Output.IsSecretAsync(settings.App.Secrets["GH_TOKEN"].ToOutput()));
        Assert.True(await Pulumi.Output.IsSecretAsync(settings.Image.Ghcr!.PushToken.ToOutput()));
    }

    [Fact]
    public void The_eks_vpc_range_must_leave_room_for_four_subnets()
    {
        var config = StackConfigs.For("eks", "ecr");
        config["eksVpcCidr"] = "10.0.0.0/24";

        var error = Invalid(config);

        Assert.Contains("spec-editor:eksVpcCidr: '10.0.0.0/24' is not an IPv4 network from /16 to /20 (e.g. 10.0.0.0/16)", error.Problems);
    }

    private static InvalidStackSettingsException Invalid(IReadOnlyDictionary<string, string> config) =>
        Assert.Throws<InvalidStackSettingsException>(() => StackConfigs.Settings(config));
}
