using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using SpecEditor.Container.Tests.Support;
using SpecEditor.Tests.Automation;

namespace SpecEditor.Container.Tests;

/// <summary>
/// The automation engine inside the compose stack, as on the EC2 host: the non-root editor reaches the host's Docker engine
/// through the mounted socket and DOCKER_GID, and its jobs mount their run's folder from the shared host workspace.
/// </summary>
public sealed class ComposeAutomationTests(SpecEditorImage image)
{
    [Fact]
    public async Task A_run_started_in_the_stack_runs_each_phase_in_a_job_container_on_the_hosts_engine()
    {
        var built = await image.GetAsync();
        var agent = await TestAgentImage.EnsureAsync(TestContext.Current.CancellationToken);
        using var workspace = new TempDirectory("spec-editor-compose-automation");
        await File.WriteAllTextAsync(Path.Combine(workspace.Path, "agents.json"), TestAgentImage.AgentsJson(agent), TestContext.Current.CancellationToken);
        await Cli.RunAsync("chown", ["-R", "1654:1654", workspace.Path]);
        var scope = "compose-" + Guid.NewGuid().ToString("N")[..10];
        await using var stack = await ComposeProject.CreateAsync(new()
        {
            ["SPEC_EDITOR_IMAGE"] = built.Tag,
            ["AUTOMATION_WORK_DIR"] = workspace.Path,
            ["DOCKER_GID"] = (await Cli.RunAsync("stat", ["-c", "%g", "/var/run/docker.sock"])).Stdout.Trim(),
            ["AUTOMATION_AGENTS_FILE"] = Path.Combine(workspace.Path, "agents.json"),
            ["AUTOMATION_JOB_NETWORK"] = "none",
            ["AUTOMATION_JOB_SCOPE"] = scope,
            [TestAgentImage.SecretName] = "compose-secret-" + Guid.NewGuid().ToString("N"),
        });

        await stack.UpAsync();
        await DockerCli.WaitHealthyAsync(await stack.ContainerIdAsync("spec-editor"), TimeSpan.FromSeconds(90));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.EditorPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        using var submitted = await client.PostAsJsonAsync(
            "api/automation/runs",
            new { repository = "local", baseBranch = "main", agent = "test", description = "Audit log for pod changes", dryRun = true },
            TestContext.Current.CancellationToken);
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetString()!;

        var run = await WaitFinishedAsync(client, id);

        Assert.True(run.GetProperty("state").GetString() == "succeeded", run.ToString());
        var phases = run.GetProperty("steps").EnumerateArray().Where(s => s.GetProperty("name").GetString() is "specify" or "plan" or "tasks").ToList();
        Assert.Equal(3, phases.Count);
        Assert.All(phases, phase => Assert.False(string.IsNullOrEmpty(phase.GetProperty("attemptHistory")[0].GetProperty("jobId").GetString())));
        Assert.Empty(await TestAgentImage.ContainersOfRunAsync(id));
        Assert.True(Directory.Exists(Path.Combine(workspace.Path, id)), "the run's workspace is in the shared host folder");
    }

    private static async Task<JsonElement> WaitFinishedAsync(HttpClient client, string id)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var run = await client.GetFromJsonAsync<JsonElement>($"api/automation/runs/{id}", TestContext.Current.CancellationToken);
            if (run.GetProperty("state").GetString() is "succeeded" or "failed" or "cancelled" || clock.Elapsed > TimeSpan.FromSeconds(120))
            {
                return run;
            }

            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }
}
