using System.Text.Json.Nodes;
using SpecEditor.Automation;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation.Runners;

/// <summary>
/// The Kubernetes Jobs runner against an in-process fake of the Kubernetes API (no cluster here). It proves the Job and Secret
/// the runner sends and that a whole run works through it; it cannot prove how a real kubelet schedules and runs them.
/// </summary>
public sealed class KubernetesJobRunnerTests : IDisposable
{
    private readonly TempDirectory _work = new("spec-editor-k8s-work");
    private readonly TempDirectory _agents = new("spec-editor-k8s-agents");

    public void Dispose()
    {
        _work.Dispose();
        _agents.Dispose();
    }

    [Fact]
    public async Task A_run_on_the_kubernetes_runner_creates_hardened_jobs_with_secret_env_and_deletes_them()
    {
        await using var kubernetes = await FakeKubernetes.StartAsync();
        JsonObject? secretSeen = null;
        kubernetes.Execute = (job, secret) =>
        {
            // Stand in for the pod: write the phase's file where the job's volume would put it.
            secretSeen = secret;
            var container = job["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
            var subPath = container["volumeMounts"]![0]!["subPath"]!.GetValue<string>();
            var phase = FakeKubernetes.Env(job, "SPECKIT_PHASE");
            var featureDir = FakeKubernetes.Env(job, "SPECKIT_FEATURE_DIR");
            var file = Path.Combine(_work.Path, subPath, featureDir, Steps.ExpectedFile(phase));
            File.WriteAllText(file, $"# {phase}\n");
            return (0, $"wrote {featureDir}/{Steps.ExpectedFile(phase)}\nsecret is {FakeKubernetes.Decode(secret!, TestAgentImage.SecretName)}\n");
        };

        await using var app = await StartAppAsync(kubernetes, new()
        {
            ["AUTOMATION_K8S_NAMESPACE"] = "speckit",
            [TestAgentImage.SecretName] = "k8s-secret-value",
            ["AUTOMATION_POLL_MILLISECONDS"] = "200",
        });

        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "On a cluster", dryRun: true)).Id, seconds: 60);

        Assert.True(run.State == "succeeded", $"{run.State}: {run.Error}");
        var created = kubernetes.Created.ToArray();
        Assert.Equal(3, created.Length);
        var job = created[0];
        Assert.Equal($"speckit-{run.Id[..12]}-specify-1", job["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(run.Id, job["metadata"]!["labels"]!["dev.spec-editor.run"]!.GetValue<string>());
        var pod = job["spec"]!["template"]!["spec"]!.AsObject();
        Assert.Equal(0, job["spec"]!["backoffLimit"]!.GetValue<int>());
        Assert.Equal("Never", pod["restartPolicy"]!.GetValue<string>());
        Assert.False(pod["automountServiceAccountToken"]!.GetValue<bool>());
        Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());
        Assert.NotEqual(0, pod["securityContext"]!["runAsUser"]!.GetValue<long>());
        var container = pod["containers"]![0]!.AsObject();
        Assert.Equal("registry.example/agent:1", container["image"]!.GetValue<string>());
        Assert.Equal(["/bin/sh", "/agent.sh"], container["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.True(container["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>());
        Assert.False(container["securityContext"]!["allowPrivilegeEscalation"]!.GetValue<bool>());
        Assert.Equal("ALL", container["securityContext"]!["capabilities"]!["drop"]![0]!.GetValue<string>());
        Assert.Equal("67108864", container["resources"]!["limits"]!["memory"]!.GetValue<string>());
        Assert.Equal("500m", container["resources"]!["limits"]!["cpu"]!.GetValue<string>());
        Assert.Equal(run.Id, container["volumeMounts"]![0]!["subPath"]!.GetValue<string>());
        Assert.Equal("speckit-work", pod["volumes"]![0]!["persistentVolumeClaim"]!["claimName"]!.GetValue<string>());

        // The secret travels in a Secret the container reads as an environment variable, never as a literal in the Job.
        var secretEnv = container["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == TestAgentImage.SecretName)!.AsObject();
        Assert.Null(secretEnv["value"]);
        Assert.Equal(job["metadata"]!["name"]!.GetValue<string>(), secretEnv["valueFrom"]!["secretKeyRef"]!["name"]!.GetValue<string>());
        Assert.DoesNotContain("k8s-secret-value", job.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("k8s-secret-value", FakeKubernetes.Decode(secretSeen!, TestAgentImage.SecretName));

        // Logs came through the pod log endpoint, masked; jobs and secrets are gone after their steps.
        Assert.Contains("secret is ***", await AutomationHarness.ArtifactTextAsync(app.Client, run, "logs/plan/attempt-1/stdout.log"), StringComparison.Ordinal);
        Assert.Empty(kubernetes.Jobs);
        Assert.Empty(kubernetes.Secrets);
        Assert.Empty(kubernetes.Pods);
    }

    [Fact]
    public async Task A_failed_job_reports_its_container_exit_code()
    {
        await using var kubernetes = await FakeKubernetes.StartAsync();
        kubernetes.Execute = (_, _) => (7, "model quota exceeded\n");
        await using var app = await StartAppAsync(kubernetes);

        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "Fails on the cluster", dryRun: true)).Id, seconds: 60);

        Assert.Equal("failed", run.State);
        Assert.Equal(7, Assert.Single(run.Steps!.Single(s => s.Name == "specify").AttemptHistory).ExitCode);
        Assert.Empty(kubernetes.Jobs);
    }

    [Fact]
    public async Task A_job_the_cluster_fails_to_create_leaves_no_secret_behind()
    {
        await using var kubernetes = await FakeKubernetes.StartAsync();
        kubernetes.JobCreateStatus = 500;
        await using var app = await StartAppAsync(kubernetes);

        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "The API server fails", dryRun: true)).Id, seconds: 60);

        Assert.Equal("failed", run.State);
        Assert.Empty(kubernetes.Created);
        Assert.Empty(kubernetes.Secrets);
    }

    [Fact]
    public async Task A_job_the_cluster_refuses_fails_its_step_at_once_quoting_the_answer()
    {
        await using var kubernetes = await FakeKubernetes.StartAsync();
        kubernetes.JobCreateStatus = 422;
        await using var app = await StartAppAsync(kubernetes, new() { ["AUTOMATION_MAX_ATTEMPTS"] = "3" });

        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "The cluster refuses", dryRun: true)).Id, seconds: 60);

        // A refusal is permanent: no second attempt, and the error quotes the API server's Status.
        Assert.Equal("failed", run.State);
        Assert.Single(run.Steps!.Single(s => s.Name == "specify").AttemptHistory);
        Assert.Contains("Kubernetes refused the job (422)", run.Error, StringComparison.Ordinal);
        Assert.Contains("the fake refuses", run.Error, StringComparison.Ordinal);
        Assert.Empty(kubernetes.Secrets);
    }

    [Fact]
    public async Task A_jobs_secret_is_owned_by_the_job_so_kubernetes_deletes_it_with_the_job_even_when_its_own_delete_fails()
    {
        await using var kubernetes = await FakeKubernetes.StartAsync();
        kubernetes.SecretDeleteStatus = 500;
        await using var app = await StartAppAsync(kubernetes);

        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "The Secret delete fails", dryRun: true)).Id, seconds: 60);

        // The step's delete of the Secret failed; deleting the Job took the Secret with it, by its ownerReferences.
        Assert.True(kubernetes.JobUids.ContainsKey($"speckit-{run.Id[..12]}-specify-1"));
        Assert.Empty(kubernetes.Jobs);
        Assert.Empty(kubernetes.Secrets);
    }

    [Fact]
    public async Task The_orphan_sweep_deletes_a_secret_of_this_deployment_whose_job_is_gone()
    {
        await using var kubernetes = await FakeKubernetes.StartAsync();
        const string scope = "k8s-sweep-test";
        JsonObject Secret(string name, string? appLabel) => new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = appLabel is null ? new JsonObject() : new JsonObject
                {
                    ["dev.spec-editor.automation"] = appLabel,
                    ["dev.spec-editor.run"] = "0123456789abcdef0123456789abcdef",
                    ["dev.spec-editor.step"] = "specify",
                    ["dev.spec-editor.attempt"] = "1",
                    ["dev.spec-editor.instance"] = "crashed-instance",
                },
            },
            ["data"] = new JsonObject { [TestAgentImage.SecretName] = "eA==" },
        };
        kubernetes.Secrets["speckit-0123456789ab-specify-1"] = Secret("speckit-0123456789ab-specify-1", scope);
        kubernetes.Secrets["speckit-other-deployment"] = Secret("speckit-other-deployment", "another-scope");
        kubernetes.Secrets["unrelated"] = Secret("unrelated", null);

        await using var app = await StartAppAsync(kubernetes, new() { ["AUTOMATION_JOB_SCOPE"] = scope });

        // The sweep runs when the engine starts.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (kubernetes.Secrets.ContainsKey("speckit-0123456789ab-specify-1") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Equal(["speckit-other-deployment", "unrelated"], kubernetes.Secrets.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The app on the kubernetes runner against <paramref name="kubernetes"/>, with the test agent (its secret "x"), one
    /// attempt per step and the run workspaces in a folder of the test's; <paramref name="overrides"/> on top.
    /// </summary>
    private Task<TestApp> StartAppAsync(FakeKubernetes kubernetes, Dictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AUTOMATION_RUNNER"] = "kubernetes",
            ["AUTOMATION_K8S_API_URL"] = kubernetes.Url.ToString(),
            ["AUTOMATION_K8S_WORKSPACE_CLAIM"] = "speckit-work",
            ["AUTOMATION_WORK_DIR"] = _work.Path,
            ["AUTOMATION_AGENTS_FILE"] = _agents.Write("agents.json", TestAgentImage.AgentsJson("registry.example/agent:1")),
            [TestAgentImage.SecretName] = "x",
            ["AUTOMATION_MAX_ATTEMPTS"] = "1",
        };
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        return TestApp.StartAsync(settings);
    }
}
