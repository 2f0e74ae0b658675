using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using SpecEditor.GitHubFake;
using SpecEditor.Tests.TestSupport;
using static SpecEditor.Tests.Specs.GitHub.GitHubStoreContractTests;

namespace SpecEditor.Tests.Specs.GitHub;

/// <summary>GH_SAVE_MODE=workflow-dispatch: the change is committed on its branch and the deploy workflow is dispatched instead of a pull request.</summary>
public sealed class WorkflowDispatchTests
{
    private static readonly Dictionary<string, string?> DispatchMode = new()
    {
        ["GH_SAVE_MODE"] = "workflow-dispatch",
        ["GH_WORKFLOW"] = "deploy.yml",
        ["GH_WORKFLOW_INPUTS"] = "customer={customer},environment={environment},spec_ref={branch},reason={title} ({actor})",
    };

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Saving_dispatches_the_workflow_with_the_mapped_inputs_and_links_the_run_it_started()
    {
        await using var world = await GitHubWorld.StartAsync(DispatchMode, w => w.Repo.AddWorkflow("deploy.yml", "customer", "environment", "spec_ref", "reason"));
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);

        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var change = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);

        var run = Assert.Single(world.Repo.Runs);
        var branch = change.GetProperty("branch").GetString()!;
        Assert.Equal("workflow_dispatch", run.Event);
        Assert.Equal("main", run.Branch);
        Assert.Equal("alice", run.Actor);
        Assert.Equal("acme", run.Inputs["customer"]);
        Assert.Equal("dev", run.Inputs["environment"]);
        Assert.Equal(branch, run.Inputs["spec_ref"]);
        Assert.Equal("Update acme/dev: instance_type → t3.large (alice)", run.Inputs["reason"]);
        Assert.Contains("instance_type: t3.large", world.Repo.ReadFile(branch, "specs/acme/dev/spec.yml"), StringComparison.Ordinal);
        Assert.Empty(world.Repo.Pulls);
        Assert.StartsWith("dispatch-", change.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.EndsWith($"/acme/specs/actions/runs/{run.Id}", change.GetProperty("externalUrl").GetString(), StringComparison.Ordinal);
        Assert.Equal("open", change.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_pod_with_a_run_in_flight_refuses_another_dispatch_until_the_run_finishes()
    {
        await using var world = await GitHubWorld.StartAsync(DispatchMode, w => w.Repo.AddWorkflow("deploy.yml", "customer", "environment", "spec_ref", "reason"));
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        using var first = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("id").GetString();

        using var second = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "m6i.large"), Cancel);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(id, (await second.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("existingChange").GetProperty("id").GetString());
        Assert.Single(world.Repo.Runs);

        world.Repo.CompleteRun(world.Repo.Runs[0].Id, "success");
        var finished = await alice.GetFromJsonAsync<JsonElement>($"/api/changes/{id}", Cancel);
        Assert.Equal("merged", finished.GetProperty("state").GetString());
        Assert.Contains("+    instance_type: t3.large", finished.GetProperty("diff").GetString(), StringComparison.Ordinal);

        using var third = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "m6i.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);
        Assert.Equal(2, world.Repo.Runs.Count);
    }

    [Fact]
    public async Task On_a_server_without_run_details_the_run_is_found_among_the_workflows_runs()
    {
        await using var world = await GitHubWorld.StartAsync(DispatchMode, w =>
        {
            w.Repo.AddWorkflow("deploy.yml", "customer", "environment", "spec_ref", "reason");
            w.Repo.SupportsRunDetails = false;
        });
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);

        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var run = Assert.Single(world.Repo.Runs);
        Assert.EndsWith($"/actions/runs/{run.Id}", (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("externalUrl").GetString(), StringComparison.Ordinal);
        Assert.Equal([422, 204], world.ApiCalls().Where(c => c.Path.EndsWith("/dispatches", StringComparison.Ordinal)).Select(c => c.Status));
    }

    [Fact]
    public async Task A_dispatch_GitHub_refuses_is_reported_and_leaves_the_pod_free()
    {
        await using var world = await GitHubWorld.StartAsync(DispatchMode, w => w.Repo.AddWorkflow("deploy.yml", "customer", "environment"));
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);

        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("github.request_failed", problem.GetProperty("code").GetString());
        Assert.Contains("Unexpected inputs provided", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(world.Repo.Runs);
        var after = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        Assert.False(after.TryGetProperty("openChange", out _));
    }

    [Fact]
    public async Task A_dispatch_whose_answer_was_lost_keeps_the_pod_busy_so_a_retry_cannot_deploy_twice()
    {
        await using var world = await GitHubWorld.StartAsync(DispatchMode, w => w.Repo.AddWorkflow("deploy.yml", "customer", "environment", "spec_ref", "reason"));
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        world.Fake.AddFault(new FakeFault { Method = "POST", Path = new Regex("/dispatches$"), Status = 502, AfterHandling = true });

        using var lost = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, lost.StatusCode);
        var problem = await lost.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("github.unavailable", problem.GetProperty("code").GetString());
        Assert.Contains("may or may not have started", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing was lost", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(world.Repo.Runs);

        using var retried = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Conflict, retried.StatusCode);
        Assert.Equal("change.duplicate", (await retried.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());
        Assert.Single(world.Repo.Runs);
    }
}
