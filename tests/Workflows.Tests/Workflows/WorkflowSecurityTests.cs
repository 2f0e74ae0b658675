using System.Text.RegularExpressions;
using SpecEditor.Workflows.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace SpecEditor.Workflows.Tests.Workflows;

/// <summary>
/// What keeps the workflows safe to run on a public repository: least privilege, no untrusted code near secrets, no
/// long-lived cloud keys, and no action that can change under us.
/// </summary>
public sealed partial class WorkflowSecurityTests
{
    public static TheoryData<string> WorkflowNames => [.. Workflow.All.Select(workflow => workflow.Name)];

    [Fact]
    public void The_five_workflows_exist()
    {
        Assert.Equal(["ci.yml", "deploy.yml", "drift.yml", "image.yml", "preview.yml"], Workflow.All.Select(workflow => workflow.Name));
    }

    [Theory]
    [MemberData(nameof(WorkflowNames))]
    public void A_workflow_grants_nothing_by_default_and_each_job_states_its_permissions(string name)
    {
        var workflow = Workflow.Named(name);

        var top = Yaml.Map(workflow.Root, "permissions");
        Assert.True(top is { Children.Count: 0 }, $"{name}: the top level must say 'permissions: {{}}'");
        Assert.All(workflow.Jobs, job => Assert.True(job.Permissions is not null, $"{job}: no 'permissions:' mapping"));
    }

    [Theory]
    [MemberData(nameof(WorkflowNames))]
    public void A_job_may_write_only_what_its_steps_need(string name)
    {
        // Each write scope, and what a job must do to be granted it.
        var reasons = new Dictionary<string, Func<Job, bool>>(StringComparer.Ordinal)
        {
            ["id-token"] = AssumesAwsRole,
            ["packages"] = job => job.StepsUsing("docker/login-action@").Any(step => Yaml.Get(With(step), "registry") == "ghcr.io"),
            ["pull-requests"] = job => RunsScript(job, "upsert-comment.js"),
            ["issues"] = job => RunsScript(job, "drift-issues.js"),
        };

        Assert.All(Workflow.Named(name).Jobs, job =>
        {
            foreach (var (scope, level) in job.Permissions!.Children.Select(pair => (Yaml.Text(pair.Key), Yaml.Text(pair.Value))))
            {
                Assert.Contains(level, new[] { "read", "write", "none" });
                if (level == "write")
                {
                    Assert.True(reasons.TryGetValue(scope, out var needs) && needs(job), $"{job}: '{scope}: write' is not needed by any of its steps");
                }
            }
        });
    }

    [Theory]
    [MemberData(nameof(WorkflowNames))]
    public void A_job_that_assumes_an_aws_role_has_the_oidc_token(string name)
    {
        Assert.All(Workflow.Named(name).Jobs.Where(AssumesAwsRole), job => Assert.Equal("write", job.Permission("id-token")));
    }

    [Theory]
    [MemberData(nameof(WorkflowNames))]
    public void No_workflow_runs_pull_request_code_with_the_base_repository_s_privileges(string name)
    {
        var workflow = Workflow.Named(name);

        // pull_request_target and workflow_run run with secrets and a write token; checking out the pull request there
        // hands both to its code. This repository needs neither.
        Assert.DoesNotContain("pull_request_target", workflow.Triggers);
        Assert.DoesNotContain("workflow_run", workflow.Triggers);
    }

    [Theory]
    [MemberData(nameof(WorkflowNames))]
    public void On_pull_requests_only_same_repository_branches_reach_secrets_or_cloud_credentials(string name)
    {
        var workflow = Workflow.Named(name);
        if (!workflow.Triggers.Contains("pull_request"))
        {
            return;
        }

        var privileged = workflow.Jobs.Where(job => UsesSecrets(job) || job.Permission("id-token") == "write").ToList();
        Assert.All(privileged, job => Assert.Contains("github.event.pull_request.head.repo.full_name == github.repository", job.If));
    }

    [Fact]
    public void The_preview_reaches_the_cloud_from_same_repository_pull_requests_only()
    {
        var preview = Workflow.Named("preview.yml").Job("preview");

        Assert.Equal(["pull_request"], Workflow.Named("preview.yml").Triggers);
        Assert.True(UsesSecrets(preview) && AssumesAwsRole(preview), "the preview job is expected to need the backend secrets and the AWS role");
        Assert.Contains("github.event.pull_request.head.repo.full_name == github.repository", preview.If);
    }

    [Fact]
    public void Aws_is_reached_only_by_assuming_a_role_with_github_s_oidc_token()
    {
        foreach (var file in GithubFiles())
        {
            var text = File.ReadAllText(file);
            foreach (var longLived in new[] { "aws-access-key-id", "aws-secret-access-key", "aws-session-token", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" })
            {
                Assert.False(text.Contains(longLived, StringComparison.OrdinalIgnoreCase), $"{file} mentions {longLived}");
            }
        }

        var assumingJobs = Workflow.All.SelectMany(workflow => workflow.Jobs).Where(AssumesAwsRole).ToList();
        Assert.NotEmpty(assumingJobs);
        Assert.All(assumingJobs.SelectMany(job => job.StepsUsing("aws-actions/configure-aws-credentials@")), step =>
            Assert.False(string.IsNullOrWhiteSpace(Yaml.Get(With(step), "role-to-assume")), "configure-aws-credentials without role-to-assume"));
    }

    [Fact]
    public void Every_action_is_pinned_to_a_full_commit_sha_with_its_version_beside_it()
    {
        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        var uses = 0;
        foreach (var file in GithubFiles().Where(file => file.EndsWith(".yml", StringComparison.Ordinal)))
        {
            foreach (var line in File.ReadLines(file).Where(line => UsesLine().IsMatch(line)))
            {
                uses++;
                var reference = UsesLine().Match(line).Groups[1].Value;
                if (reference.StartsWith("./", StringComparison.Ordinal))
                {
                    continue;
                }

                var pinned = PinnedUses().Match(line);
                Assert.True(pinned.Success, $"{Path.GetFileName(file)}: '{line.Trim()}' is not '<owner>/<repo>@<40-hex sha> # v<version>'");
                var (action, pin) = (pinned.Groups["action"].Value, $"{pinned.Groups["sha"].Value} {pinned.Groups["version"].Value}");
                Assert.True(pins.TryAdd(action, pin) || pins[action] == pin, $"{action} is pinned to both {pins[action]} and {pin}");
            }
        }

        Assert.True(uses > 10, "no 'uses:' lines found");
    }

    [Fact]
    public void Checkouts_do_not_leave_the_token_in_the_working_copy()
    {
        var checkouts = Workflow.All.SelectMany(workflow => workflow.Jobs).SelectMany(job => job.StepsUsing("actions/checkout@")).ToList();

        Assert.NotEmpty(checkouts);
        Assert.All(checkouts, step => Assert.Equal("false", Yaml.Get(With(step), "persist-credentials")));
    }

    [Fact]
    public void The_registry_is_logged_in_to_with_the_workflow_token_only_where_the_image_is_published()
    {
        var logins = Workflow.All.SelectMany(workflow => workflow.Jobs).Where(job => job.Uses("docker/login-action@")).ToList();

        Assert.Equal(["image.yml:publish"], logins.Select(job => job.ToString()));
        var login = logins[0].StepsUsing("docker/login-action@").Single();
        Assert.Equal("${{ secrets.GITHUB_TOKEN }}", Yaml.Get(With(login), "password"));
    }

    [Theory]
    [MemberData(nameof(WorkflowNames))]
    public void Every_job_has_a_time_limit(string name)
    {
        Assert.All(Workflow.Named(name).Jobs, job => Assert.NotNull(Yaml.Get(job.Node, "timeout-minutes")));
    }

    internal static bool AssumesAwsRole(Job job) => job.Uses("aws-actions/configure-aws-credentials@");

    private static bool UsesSecrets(Job job) => SecretReference().Matches(job.Text).Any(match => match.Groups[1].Value != "GITHUB_TOKEN");

    private static bool RunsScript(Job job, string script) =>
        job.StepsUsing("actions/github-script@").Any(step => Yaml.Get(With(step), "script")?.Contains($".github/scripts/{script}", StringComparison.Ordinal) == true);

    private static YamlMappingNode With(YamlMappingNode step) => Yaml.Map(step, "with") ?? new YamlMappingNode();

    private static IEnumerable<string> GithubFiles() =>
        Directory.GetFiles(RepositoryRoot.File(".github"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    [GeneratedRegex(@"secrets\.([A-Za-z0-9_]+)")]
    private static partial Regex SecretReference();

    [GeneratedRegex(@"^\s*(?:-\s+)?uses:\s*(\S+)")]
    private static partial Regex UsesLine();

    [GeneratedRegex(@"uses:\s*(?<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@(?<sha>[0-9a-f]{40})\s+#\s*(?<version>v\d+\.\d+\.\d+)\s*$")]
    private static partial Regex PinnedUses();
}
