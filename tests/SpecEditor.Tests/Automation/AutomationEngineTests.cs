using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LibGit2Sharp;
using SpecEditor.Automation;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation;

/// <summary>The engine end to end: the real app, a real Docker engine running the local test agent, real git, SQLite.</summary>
public sealed class AutomationEngineTests
{
    [Fact]
    public async Task A_dry_run_goes_through_every_phase_in_its_own_container_and_pushes_nothing()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings());

        var submitted = await AutomationHarness.SubmitAsync(app.Client, "Add a health dashboard for pods", dryRun: true);
        Assert.Contains(submitted.State, new[] { "queued", "running" });
        var run = await AutomationHarness.WaitAsync(app.Client, submitted.Id);

        Assert.Equal("succeeded", run.State);
        Assert.Equal(["clone", "specify", "plan", "tasks", "publish"], run.Steps!.Select(s => s.Name));
        Assert.All(run.Steps!, step => Assert.Equal("succeeded", step.State));
        Assert.Equal("specs/001-add-health-dashboard-for", run.FeatureDir);
        Assert.Matches($"^speckit/{run.CreatedAt.UtcDateTime:yyyyMMdd}/{run.Id[..8]}$", run.Branch!);
        Assert.Null(run.PullRequest);

        // Each phase ran in its own container, as a non-root user, and left its file.
        var jobIds = run.Steps!.Where(s => s.Name is "specify" or "plan" or "tasks").Select(s => Assert.Single(s.AttemptHistory).JobId).ToArray();
        Assert.Equal(3, jobIds.Distinct().Count());
        Assert.Contains("as uid 65534", await AutomationHarness.ArtifactTextAsync(app.Client, run, "logs/specify/attempt-1/stdout.log"), StringComparison.Ordinal);
        foreach (var file in new[] { "spec.md", "plan.md", "tasks.md" })
        {
            var content = await AutomationHarness.ArtifactTextAsync(app.Client, run, $"files/{run.FeatureDir}/{file}");
            Assert.Contains("Add a health dashboard for pods", content, StringComparison.Ordinal);
        }

        // Artifacts carry their size and sha256, and the summary and credential audit are among them.
        var names = run.Artifacts!.Select(a => a.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "credential-audit.json", "run-summary.json", "diff-summary.txt", "logs/plan/attempt-1/stderr.log" }, names);
        foreach (var artifact in run.Artifacts!)
        {
            using var download = await app.Client.GetAsync(artifact.Url, TestContext.Current.CancellationToken);
            var bytes = await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
            Assert.Equal(artifact.Size, bytes.Length);
            Assert.Equal(artifact.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }

        var diff = await AutomationHarness.ArtifactTextAsync(app.Client, run, "diff-summary.txt");
        Assert.Contains($"{run.FeatureDir}/tasks.md", diff, StringComparison.Ordinal);

        // Dry run: the local repository has no new branch and no pull request exists.
        using (var repo = new Repository(app.RepositoryPath))
        {
            Assert.DoesNotContain(repo.Branches, b => b.FriendlyName.StartsWith("speckit/", StringComparison.Ordinal));
        }

        Assert.Empty(await app.Client.GetFromJsonAsync<List<PullRequestResponse>>("/api/automation/pulls", AutomationHarness.Json, TestContext.Current.CancellationToken) ?? []);
        await AutomationHarness.AssertNoContainersAsync(run.Id);
    }

    [Fact]
    public async Task Publishing_pushes_one_commit_on_a_deterministic_branch_and_opens_a_draft_pull_request_that_reruns_update()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings());
        string baseSha;
        using (var repo = new Repository(app.RepositoryPath))
        {
            baseSha = repo.Branches["main"].Tip.Sha;
        }

        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "Rotate database credentials weekly")).Id);

        Assert.Equal("succeeded", run.State);
        var branch = $"speckit/{run.CreatedAt.UtcDateTime:yyyyMMdd}/{run.Id[..8]}";
        var pull = run.PullRequest!;
        Assert.True(pull.Draft);
        Assert.Equal("open", pull.State);
        Assert.Equal(branch, pull.HeadBranch);
        Assert.Equal("main", pull.BaseBranch);
        Assert.Equal([$"{run.FeatureDir}/plan.md", $"{run.FeatureDir}/spec.md", $"{run.FeatureDir}/tasks.md"], pull.Files.Order());
        Assert.Contains(run.Id[..8], pull.Body, StringComparison.Ordinal);
        Assert.Contains($"`{run.FeatureDir}/tasks.md`", pull.Body, StringComparison.Ordinal);
        using (var repo = new Repository(app.RepositoryPath))
        {
            var tip = repo.Branches[branch].Tip;
            Assert.Equal(pull.HeadCommit, tip.Sha);
            Assert.Equal(baseSha, Assert.Single(tip.Parents).Sha);
            Assert.NotNull(tip[$"{run.FeatureDir}/spec.md"]);
            Assert.Equal(baseSha, repo.Branches["main"].Tip.Sha);
        }

        // A rerun from plan publishes to "-r1" and updates the same pull request instead of opening another.
        using var retry = await app.Client.PostAsJsonAsync($"/api/automation/runs/{run.Id}/retry", new { fromStep = "plan" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var rerun = await AutomationHarness.WaitAsync(app.Client, run.Id, r => r.State == "succeeded" && r.Rerun == 1 && r.PullRequest?.HeadBranch.EndsWith("-r1", StringComparison.Ordinal) == true);
        Assert.Equal(pull.Number, rerun.PullRequest!.Number);
        Assert.Equal(branch + "-r1", rerun.PullRequest.HeadBranch);
        Assert.Equal(2, rerun.Steps!.Single(s => s.Name == "plan").AttemptHistory.Count);
        Assert.Single(rerun.Steps!.Single(s => s.Name == "specify").AttemptHistory);
        var pulls = await app.Client.GetFromJsonAsync<List<PullRequestResponse>>("/api/automation/pulls", AutomationHarness.Json, TestContext.Current.CancellationToken);
        Assert.Single(pulls!);
        using (var repo = new Repository(app.RepositoryPath))
        {
            Assert.Equal(baseSha, Assert.Single(repo.Branches[branch + "-r1"].Tip.Parents).Sha);
        }
    }

    [Fact]
    public async Task A_phase_that_fails_is_retried_with_backoff_and_the_run_succeeds()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings());

        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "Flaky planner [fail-once:plan]", dryRun: true)).Id);

        Assert.Equal("succeeded", run.State);
        var plan = run.Steps!.Single(s => s.Name == "plan");
        Assert.Equal(2, plan.AttemptHistory.Count);
        Assert.Equal("failed", plan.AttemptHistory[0].State);
        Assert.Equal(3, plan.AttemptHistory[0].ExitCode);
        Assert.Contains("simulated failure in plan", plan.AttemptHistory[0].Error, StringComparison.Ordinal);
        Assert.Equal("succeeded", plan.AttemptHistory[1].State);
        Assert.True(plan.AttemptHistory[1].StartedAt >= plan.AttemptHistory[0].FinishedAt!.Value.AddMilliseconds(100), "the retry waited for its backoff");
        Assert.Contains("simulated failure in plan", await AutomationHarness.ArtifactTextAsync(app.Client, run, "logs/plan/attempt-1/stderr.log"), StringComparison.Ordinal);
        var events = await AutomationHarness.EventsAsync(app.Client, run.Id);
        Assert.Contains(events, e => e.Kind == "state" && e.Message.Contains("retrying in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_phase_that_exits_zero_without_its_file_fails_the_run_with_the_reason()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings(new Dictionary<string, string?> { ["AUTOMATION_MAX_ATTEMPTS"] = "2" }));

        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "Lazy tasks [no-output:tasks]", dryRun: true)).Id);

        Assert.Equal("failed", run.State);
        Assert.Equal($"tasks failed: the agent exited 0 but did not write {run.FeatureDir}/tasks.md", run.Error);
        var tasks = run.Steps!.Single(s => s.Name == "tasks");
        Assert.Equal("failed", tasks.State);
        Assert.Equal(2, tasks.AttemptHistory.Count);
        Assert.All(tasks.AttemptHistory, a => Assert.Equal(0, a.ExitCode));
        Assert.Equal("pending", run.Steps!.Single(s => s.Name == "publish").State);
        await AutomationHarness.AssertNoContainersAsync(run.Id);
    }

    [Fact]
    public async Task A_step_that_runs_past_its_timeout_is_stopped_and_the_run_fails()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings(new Dictionary<string, string?>
        {
            ["AUTOMATION_STEP_TIMEOUT_SECONDS"] = "3",
            ["AUTOMATION_MAX_ATTEMPTS"] = "1",
        }));

        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "Never ends [hang:specify]", dryRun: true)).Id, seconds: 60);

        Assert.Equal("failed", run.State);
        Assert.Contains("timed out after 3 s", run.Error, StringComparison.Ordinal);
        var attempt = Assert.Single(run.Steps!.Single(s => s.Name == "specify").AttemptHistory);
        Assert.Equal("timed_out", attempt.State);
        Assert.InRange(attempt.DurationSeconds!.Value, 2.5, 20);
        Assert.Contains("hanging", await AutomationHarness.ArtifactTextAsync(app.Client, run, "logs/specify/attempt-1/stdout.log"), StringComparison.Ordinal);
        await AutomationHarness.AssertNoContainersAsync(run.Id);
    }

    [Fact]
    public async Task A_run_past_its_deadline_is_stopped_even_while_a_phase_runs()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings(new Dictionary<string, string?> { ["AUTOMATION_RUN_TIMEOUT_SECONDS"] = "4" }));

        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "Too slow overall [hang:specify]", dryRun: true)).Id, seconds: 60);

        Assert.Equal("failed", run.State);
        Assert.Contains("deadline", run.Error, StringComparison.Ordinal);
        Assert.Equal("timed_out", Assert.Single(run.Steps!.Single(s => s.Name == "specify").AttemptHistory).State);
        await AutomationHarness.AssertNoContainersAsync(run.Id);
    }

    [Fact]
    public async Task Cancelling_a_running_run_stops_its_container_and_marks_it_cancelled()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings());
        var submitted = await AutomationHarness.SubmitAsync(app.Client, "Cancel me [hang:specify]", dryRun: true);
        await AutomationHarness.WaitAsync(app.Client, submitted.Id, r => r.Steps!.Single(s => s.Name == "specify").AttemptHistory is [{ JobId: not null }]);
        var container = Assert.Single(await TestAgentImage.ContainersOfRunAsync(submitted.Id));

        // The job is hardened: non-root, read-only root, no capabilities, limits, only the workspace mounted.
        using (var docker = TestAgentImage.Client())
        {
            var inspected = await docker.Containers.InspectContainerAsync(container.ID, TestContext.Current.CancellationToken);
            Assert.Equal("65534:65534", inspected.Config.User);
            Assert.True(inspected.HostConfig.ReadonlyRootfs);
            Assert.Equal(["ALL"], inspected.HostConfig.CapDrop);
            Assert.Contains("no-new-privileges", inspected.HostConfig.SecurityOpt);
            Assert.Equal(64L * 1024 * 1024, inspected.HostConfig.Memory);
            Assert.Equal(500_000_000L, inspected.HostConfig.NanoCPUs);
            Assert.Equal(64L, inspected.HostConfig.PidsLimit);
            Assert.Equal("none", inspected.HostConfig.NetworkMode);
            var bind = Assert.Single(inspected.HostConfig.Binds);
            Assert.EndsWith($"/{submitted.Id}:/workspace:rw", bind, StringComparison.Ordinal);
            Assert.DoesNotContain(inspected.Mounts, m => m.Source.Contains("docker.sock", StringComparison.Ordinal));
            Assert.Equal(submitted.Id, inspected.Config.Labels["dev.spec-editor.run"]);
            Assert.Equal("specify", inspected.Config.Labels["dev.spec-editor.step"]);
            Assert.Equal("1", inspected.Config.Labels["dev.spec-editor.attempt"]);
            Assert.Equal(harness.InstanceId, inspected.Config.Labels["dev.spec-editor.instance"]);
        }

        var started = DateTime.UtcNow;
        using var cancel = await app.Client.PostAsync($"/api/automation/runs/{submitted.Id}/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var run = await AutomationHarness.WaitAsync(app.Client, submitted.Id, seconds: 30);

        Assert.Equal("cancelled", run.State);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "cancellation took effect promptly");
        Assert.Equal("cancelled", run.Steps!.Single(s => s.Name == "specify").State);
        Assert.Equal("cancelled", Assert.Single(run.Steps!.Single(s => s.Name == "specify").AttemptHistory).State);
        Assert.Equal("pending", run.Steps!.Single(s => s.Name == "plan").State);
        await AutomationHarness.AssertNoContainersAsync(run.Id);

        using var again = await app.Client.PostAsync($"/api/automation/runs/{submitted.Id}/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("automation.run_state", (await again.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_missing_secret_fails_the_run_at_once_naming_it()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings(new Dictionary<string, string?> { [TestAgentImage.SecretName] = null }));

        var submitted = await AutomationHarness.SubmitAsync(app.Client, "Needs a token");

        Assert.Equal("failed", submitted.State);
        Assert.Equal($"missing secret {TestAgentImage.SecretName} for agent test: set it in the app's environment", submitted.Error);
        Assert.All(submitted.Steps!, step => Assert.Empty(step.AttemptHistory));
        var audit = await AutomationHarness.ArtifactTextAsync(app.Client, submitted, "credential-audit.json");
        Assert.Contains($"\"name\": \"{TestAgentImage.SecretName}\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"present\": false", audit, StringComparison.Ordinal);
        Assert.Empty(await TestAgentImage.ContainersOfRunAsync(submitted.Id));
    }

    [Fact]
    public async Task Secrets_reach_the_job_as_environment_variables_and_are_masked_in_logs_events_artifacts_and_commits()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings());

        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "Leaky agent [leak]")).Id);

        Assert.Equal("succeeded", run.State);
        var stdout = await AutomationHarness.ArtifactTextAsync(app.Client, run, "logs/specify/attempt-1/stdout.log");
        Assert.Contains("token=***", stdout, StringComparison.Ordinal);
        Assert.Contains("stderr has *** too", await AutomationHarness.ArtifactTextAsync(app.Client, run, "logs/specify/attempt-1/stderr.log"), StringComparison.Ordinal);
        Assert.Contains("secret: ***", await AutomationHarness.ArtifactTextAsync(app.Client, run, $"files/{run.FeatureDir}/spec.md"), StringComparison.Ordinal);

        var everything = new StringBuilder();
        everything.Append(JsonSerializer.Serialize(await AutomationHarness.EventsAsync(app.Client, run.Id)));
        everything.Append(JsonSerializer.Serialize(run));
        foreach (var artifact in run.Artifacts!)
        {
            everything.Append(await AutomationHarness.ArtifactTextAsync(app.Client, run, artifact.Name));
        }

        using (var repo = new Repository(app.RepositoryPath))
        {
            var tip = repo.Branches[run.PullRequest!.HeadBranch].Tip;
            foreach (var file in run.PullRequest.Files)
            {
                everything.Append(((Blob)tip[file].Target).GetContentText());
            }
        }

        Assert.DoesNotContain(harness.Secret, everything.ToString(), StringComparison.Ordinal);
        Assert.Contains("***", everything.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_global_cap_runs_queued_runs_one_after_another()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings(new Dictionary<string, string?> { ["AUTOMATION_MAX_CONCURRENT_RUNS"] = "1" }));

        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await AutomationHarness.SubmitAsync(app.Client, $"Capped {i}", dryRun: true)).Id);
        }

        var runs = new List<RunResponse>();
        foreach (var id in ids)
        {
            runs.Add(await AutomationHarness.WaitAsync(app.Client, id));
        }

        Assert.All(runs, r => Assert.Equal("succeeded", r.State));
        var ordered = runs.OrderBy(r => r.StartedAt).ToArray();
        Assert.Equal(ids, ordered.Select(r => r.Id));
        for (var i = 1; i < ordered.Length; i++)
        {
            Assert.True(ordered[i].StartedAt >= ordered[i - 1].FinishedAt, "a queued run starts only after the one before it finished");
        }
    }
}
