using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SpecEditor.Tests.Automation.Runners;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation.Engine;

/// <summary>
/// Steps that do their work in the app (clone) against a GitHub remote that never answers: the step timeout, the run deadline
/// and a cancel end them as they end a phase's job. The Kubernetes runner is faked; no phase job gets to run.
/// </summary>
public sealed class StepExecutorTests : IAsyncDisposable
{
    private readonly SilentRemote _github = new();
    private readonly TempDirectory _agents = new("spec-editor-step-agents");
    private FakeKubernetes? _kubernetes;
    private TestApp? _app;

    [Fact]
    public async Task A_clone_from_a_remote_that_never_answers_is_stopped_by_the_step_timeout()
    {
        var app = await StartAsync(new() { ["AUTOMATION_STEP_TIMEOUT_SECONDS"] = "2", ["AUTOMATION_MAX_ATTEMPTS"] = "1" });

        var run = await AutomationHarness.WaitAsync(app.Client, await SubmitAsync(app.Client), seconds: 12);

        Assert.Equal("failed", run.State);
        Assert.Contains("timed out after 2 s", run.Error, StringComparison.Ordinal);
        var attempt = Assert.Single(run.Steps!.Single(s => s.Name == "clone").AttemptHistory);
        Assert.Equal("timed_out", attempt.State);
        Assert.InRange(attempt.DurationSeconds!.Value, 1.5, 8);
    }

    [Fact]
    public async Task A_clone_from_a_remote_that_never_answers_is_stopped_by_the_run_deadline()
    {
        var app = await StartAsync(new() { ["AUTOMATION_RUN_TIMEOUT_SECONDS"] = "2" });

        var run = await AutomationHarness.WaitAsync(app.Client, await SubmitAsync(app.Client), seconds: 12);

        Assert.Equal("failed", run.State);
        Assert.Contains("deadline", run.Error, StringComparison.Ordinal);
        Assert.Equal("timed_out", Assert.Single(run.Steps!.Single(s => s.Name == "clone").AttemptHistory).State);
    }

    [Fact]
    public async Task Cancelling_a_run_whose_clone_hangs_cancels_it_at_once()
    {
        var app = await StartAsync([]);
        var id = await SubmitAsync(app.Client);
        await AutomationHarness.WaitAsync(app.Client, id, r => r.Steps!.Single(s => s.Name == "clone").State == "running", seconds: 10);

        using var cancel = await app.Client.PostAsync($"/api/automation/runs/{id}/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var run = await AutomationHarness.WaitAsync(app.Client, id, seconds: 8);

        Assert.Equal("cancelled", run.State);
        Assert.Equal("cancelled", Assert.Single(run.Steps!.Single(s => s.Name == "clone").AttemptHistory).State);
    }

    [Fact]
    public async Task A_job_runner_call_that_times_out_on_its_own_is_a_failed_attempt_not_a_stuck_step()
    {
        using var work = new TempDirectory("spec-editor-step-work");
        var agentsFile = _agents.Write("agents.json", TestAgentImage.AgentsJson("registry.example/agent:1"));
        _app = await TestApp.StartAsync(
            new Dictionary<string, string?>
            {
                ["AUTOMATION_WORK_DIR"] = work.Path,
                ["AUTOMATION_AGENTS_FILE"] = agentsFile,
                [TestAgentImage.SecretName] = "x",
                ["AUTOMATION_MAX_ATTEMPTS"] = "1",
                ["AUTOMATION_POLL_MILLISECONDS"] = "200",
            },
            builder => builder.Services.AddSingleton<SpecEditor.Automation.Runners.IJobRunner>(new TimingOutRunner()));

        var submitted = await AutomationHarness.SubmitAsync(_app.Client, "The runner's client times out", dryRun: true);
        var run = await AutomationHarness.WaitAsync(_app.Client, submitted.Id, seconds: 20);

        Assert.Equal("failed", run.State);
        var attempt = Assert.Single(run.Steps!.Single(s => s.Name == "specify").AttemptHistory);
        Assert.Equal("failed", attempt.State);
        Assert.Contains("HttpClient.Timeout", run.Error, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_kubernetes is not null)
        {
            await _kubernetes.DisposeAsync();
        }

        _github.Dispose();
        _agents.Dispose();
    }

    private async Task<TestApp> StartAsync(Dictionary<string, string?> overrides)
    {
        _kubernetes = await FakeKubernetes.StartAsync();
        var agentsFile = _agents.Write("agents.json", TestAgentImage.AgentsJson("registry.example/agent:1"));
        var settings = new Dictionary<string, string?>
        {
            ["AUTOMATION_RUNNER"] = "kubernetes",
            ["AUTOMATION_K8S_API_URL"] = _kubernetes.Url.ToString(),
            ["AUTOMATION_K8S_WORKSPACE_CLAIM"] = "speckit-work",
            ["AUTOMATION_AGENTS_FILE"] = agentsFile,
            [TestAgentImage.SecretName] = "x",
            ["AUTOMATION_POLL_MILLISECONDS"] = "200",
            ["GH_REPO"] = "acme/specs",
            ["GH_TOKEN"] = "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
            ["GH_API_URL"] = $"http://127.0.0.1:{_github.Port}/api/v3",
            ["GH_WEB_URL"] = $"http://127.0.0.1:{_github.Port}",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        _app = await TestApp.StartAsync(settings);
        return _app;
    }

    private static async Task<string> SubmitAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/api/automation/runs", new { repository = "acme/specs", baseBranch = "main", description = "Clone hangs", agent = "test", dryRun = true }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>A runner whose client gives up the way HttpClient does at its own timeout: an OperationCanceledException nobody asked for.</summary>
    private sealed class TimingOutRunner : SpecEditor.Automation.Runners.IJobRunner
    {
        public string Kind => "docker";

        public Task<string> StartAsync(SpecEditor.Automation.Runners.JobSpec spec, CancellationToken cancellationToken) =>
            throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException());

        public Task<SpecEditor.Automation.Runners.JobInfo?> FindAsync(SpecEditor.Automation.Runners.JobKey key, CancellationToken cancellationToken) =>
            Task.FromResult<SpecEditor.Automation.Runners.JobInfo?>(null);

        public Task<SpecEditor.Automation.Runners.JobResult> WaitAsync(string jobId, Func<SpecEditor.Automation.Runners.OutputChannel, string, ValueTask> onLine, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no job was started");

        public Task RemoveAsync(string jobId, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IReadOnlyList<SpecEditor.Automation.Runners.JobInfo>> ListAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SpecEditor.Automation.Runners.JobInfo>>([]);
    }
}
