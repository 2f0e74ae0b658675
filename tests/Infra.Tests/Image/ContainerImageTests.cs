using System.Text.Json;
using SpecEditor.Infra.Image;
using SpecEditor.Infra.Tests.TestSupport;

namespace SpecEditor.Infra.Tests.Image;

public sealed class ContainerImageTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [MemberData(nameof(StackConfigs.Combinations), MemberType = typeof(StackConfigs))]
    public async Task Every_target_builds_app_Dockerfile_from_the_repository_root_for_x86_64(string target, string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For(target, registry));

        var image = run.Single("docker:index/image:Image");
        Assert.Equal(RepositoryRoot.Path, image.Text("build.context"));
        Assert.Equal(RepositoryRoot.File("app", "Dockerfile"), image.Text("build.dockerfile"));
        Assert.Equal("linux/amd64", image.Text("build.platform"));
    }

    [Fact]
    public async Task Ghcr_pushes_under_the_lowercased_owner_with_the_push_token_and_outputs_the_digest()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("ec2", "ghcr"), options: new MockCloudOptions { ImageDigest = Digest });

        var image = run.Single("docker:index/image:Image");
        Assert.Equal("ghcr.io/acme-platform/spec-editor:dev", image.Text("imageName"));
        Assert.Equal("ghcr.io", image.Text("registry.server"));
        Assert.Equal("acme-bot", image.Text("registry.username"));
        Assert.Equal(StackConfigs.GhcrPushToken, image.Text("registry.password"));
        Assert.NotEqual(true, image.Get("skipPush"));
        Assert.Equal("ghcr.io/acme-platform/spec-editor@" + Digest, await run.OutputAsync("image"));
        Assert.Empty(run.OfType("aws:ecr/repository:Repository"));
    }

    [Fact]
    public async Task Ecr_creates_a_scanned_encrypted_repository_with_a_lifecycle_policy_and_pushes_with_the_authorization_token()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("eks", "ecr"), options: new MockCloudOptions { ImageDigest = Digest });

        var repository = run.Single("aws:ecr/repository:Repository");
        Assert.Equal("spec-editor/dev", repository.Text("name"));
        Assert.Equal(true, repository.Get("imageScanningConfiguration.scanOnPush"));
        Assert.Equal("AES256", repository.Text("encryptionConfigurations[0].encryptionType"));

        var policy = JsonDocument.Parse(run.Single("aws:ecr/lifecyclePolicy:LifecyclePolicy").Text("policy")!).RootElement.GetProperty("rules");
        Assert.Equal("untagged", policy[0].GetProperty("selection").GetProperty("tagStatus").GetString());
        Assert.Equal(ContainerImage.UntaggedRetentionDays, policy[0].GetProperty("selection").GetProperty("countNumber").GetInt32());
        Assert.Equal("imageCountMoreThan", policy[1].GetProperty("selection").GetProperty("countType").GetString());
        Assert.Equal("any", policy[1].GetProperty("selection").GetProperty("tagStatus").GetString());

        var repositoryUrl = $"{MockCloud.AccountId}.dkr.ecr.{MockCloud.Region}.amazonaws.com/spec-editor/dev";
        var image = run.Single("docker:index/image:Image");
        Assert.Equal(repositoryUrl + ":dev", image.Text("imageName"));
        Assert.Equal("AWS", image.Text("registry.username"));
        Assert.Equal("ecr-login-password-from-aws", image.Text("registry.password"));
        Assert.Contains(run.Invokes, invoke => invoke.Token == "aws:ecr/getAuthorizationToken:getAuthorizationToken" && (string)invoke.Args["registryId"] == MockCloud.AccountId);
        Assert.Equal(repositoryUrl + "@" + Digest, await run.OutputAsync("image"));
        Assert.Equal(repositoryUrl, await run.OutputAsync("repositoryUrl"));
    }

    [Fact]
    public async Task Minikube_builds_without_pushing_and_runs_a_tag_made_from_the_image_id()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("minikube", ""), options: new MockCloudOptions { ImageDigest = Digest });

        var image = run.Single("docker:index/image:Image");
        Assert.Equal(true, image.Get("skipPush"));
        Assert.Null(image.Get("registry"));
        var tag = run.Single("docker:index/tag:Tag");
        Assert.Equal(Digest, tag.Text("sourceImage"));
        Assert.Equal("spec-editor:0123456789ab", tag.Text("targetImage"));
        Assert.Equal("spec-editor:0123456789ab", await run.OutputAsync("image"));
    }

    [Fact]
    public async Task The_image_tag_can_be_set_and_defaults_to_the_stack_name()
    {
        var config = StackConfigs.For("ec2", "ghcr");
        Assert.EndsWith(":prod", (await StackRun.RunAsync(config, stack: "prod")).Single("docker:index/image:Image").Text("imageName"), StringComparison.Ordinal);

        config["imageTag"] = "release-1.4";
        Assert.EndsWith(":release-1.4", (await StackRun.RunAsync(config, stack: "prod")).Single("docker:index/image:Image").Text("imageName"), StringComparison.Ordinal);
    }
}
