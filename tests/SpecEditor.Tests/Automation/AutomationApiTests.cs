using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Docker.DotNet.Models;
using SpecEditor.Automation;
using SpecEditor.Automation.Engine;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation;

/// <summary>The runs API's contract: bad requests as problem+json with stable codes, idempotency, listing, live events, retention and orphans.</summary>
public sealed class AutomationApiTests
{
    public static TheoryData<string, string, int, string> BadRequests => new()
    {
        { "unknown agent", """{"repository":"local","description":"x","agent":"nope"}""", 400, "automation.unknown_agent" },
        { "no agent", """{"repository":"local","description":"x"}""", 400, "automation.unknown_agent" },
        { "bad repository", """{"repository":"../../etc","description":"x","agent":"test"}""", 400, "automation.invalid_repository" },
        { "no repository", """{"description":"x","agent":"test"}""", 400, "automation.invalid_repository" },
        { "unconfigured repository", """{"repository":"octo/specs","description":"x","agent":"test"}""", 422, "automation.unknown_repository" },
        { "unknown base branch", """{"repository":"local","baseBranch":"nope","description":"x","agent":"test"}""", 422, "automation.unknown_branch" },
        { "bad base branch", """{"repository":"local","baseBranch":"a..b","description":"x","agent":"test"}""", 400, "automation.invalid_branch" },
        { "empty description", """{"repository":"local","description":"  ","agent":"test"}""", 400, "automation.description_required" },
        { "oversized description", $$"""{"repository":"local","description":"{{new string('x', 201)}}","agent":"test"}""", 400, "automation.description_too_long" },
        { "unknown phase", """{"repository":"local","description":"x","agent":"test","phases":["specify","deploy"]}""", 400, "automation.invalid_phases" },
        { "phases out of order", """{"repository":"local","description":"x","agent":"test","phases":["plan"]}""", 400, "automation.invalid_phases" },
        { "not JSON", "{", 400, "request.invalid" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_run_requests_are_refused_as_problem_json_and_create_nothing(string name, string body, int status, string code)
    {
        Assert.NotNull(name);
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["AUTOMATION_MAX_DESCRIPTION_CHARS"] = "200", ["AUTOMATION_AGENTS_FILE"] = AgentsFile() });

        using var response = await app.Client.PostAsync("/api/automation/runs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        var list = await app.GetJsonAsync<RunListResponse>("/api/automation/runs");
        Assert.Empty(list.Runs);
    }

    [Fact]
    public async Task Unknown_runs_and_artifact_paths_outside_the_run_are_refused()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["AUTOMATION_AGENTS_FILE"] = AgentsFile() });
        var run = await AutomationHarness.SubmitAsync(app.Client, "missing secret makes it fail at once");

        foreach (var (path, status, code) in new[]
        {
            ("/api/automation/runs/nope", 404, "automation.run_not_found"),
            ($"/api/automation/runs/{run.Id}/artifacts/..%2F..%2Fetc%2Fpasswd", 400, "automation.invalid_artifact"),
            ($"/api/automation/runs/{run.Id}/artifacts/logs%2F..%2Fcredential-audit.json", 400, "automation.invalid_artifact"),
            ($"/api/automation/runs/{run.Id}/artifacts/no-such.log", 404, "automation.artifact_not_found"),
            ("/api/automation/runs?state=bogus", 400, "automation.invalid_filter"),
            ("/api/automation/runs?cursor=!!!", 400, "automation.invalid_cursor"),
        })
        {
            using var response = await app.Client.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.True(status == (int)response.StatusCode, $"{path} answered {(int)response.StatusCode}");
            Assert.Equal(code, (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task An_artifact_whose_name_holds_a_quote_is_served_with_a_well_formed_file_name()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["AUTOMATION_AGENTS_FILE"] = AgentsFile() });
        var run = await AutomationHarness.SubmitAsync(app.Client, "missing secret makes it fail at once");
        var now = DateTimeOffset.UtcNow;
        const string fileName = "say \"hi\"; é.md";
        await app.Services.GetRequiredService<SpecEditor.Automation.Store.RunStore>().PutArtifactAsync(
            run.Id, null, $"files/{fileName}", "text/markdown; charset=utf-8", "# hi\n"u8.ToArray(), now, now.AddHours(1), TestContext.Current.CancellationToken);

        using var response = await app.Client.GetAsync($"/api/automation/runs/{run.Id}/artifacts/files/{Uri.EscapeDataString(fileName)}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var disposition = response.Content.Headers.ContentDisposition;
        Assert.NotNull(disposition);
        Assert.Equal("inline", disposition.DispositionType);
        Assert.Equal(fileName, disposition.FileNameStar);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_runs_api()
    {
        await using var app = await TestApp.StartAsync();

        var document = await app.Client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);

        foreach (var path in new[] { "/api/automation/runs", "/api/automation/runs/{id}/cancel", "/api/automation/runs/{id}/retry", "/api/automation/runs/{id}/stream", "/api/automation/agents" })
        {
            Assert.Contains($"\"{path}\"", document, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_first_run_and_a_different_request_with_it_conflicts()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["AUTOMATION_AGENTS_FILE"] = AgentsFile() });
        var request = new { repository = "local", description = "Idempotent", agent = "test", idempotencyKey = "key-1" };

        using var first = await app.Client.PostAsJsonAsync("/api/automation/runs", request, TestContext.Current.CancellationToken);
        using var second = await app.Client.PostAsJsonAsync("/api/automation/runs", request, TestContext.Current.CancellationToken);
        using var headerOnly = new HttpRequestMessage(HttpMethod.Post, "/api/automation/runs") { Content = JsonContent.Create(new { repository = "local", description = "Idempotent", agent = "test" }) };
        headerOnly.Headers.Add("Idempotency-Key", "key-1");
        using var third = await app.Client.SendAsync(headerOnly, TestContext.Current.CancellationToken);
        using var different = await app.Client.PostAsJsonAsync("/api/automation/runs", request with { description = "Something else" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        var id = (await first.Content.ReadFromJsonAsync<RunResponse>(AutomationHarness.Json, TestContext.Current.CancellationToken))!.Id;
        Assert.Equal(id, (await second.Content.ReadFromJsonAsync<RunResponse>(AutomationHarness.Json, TestContext.Current.CancellationToken))!.Id);
        Assert.Equal(id, (await third.Content.ReadFromJsonAsync<RunResponse>(AutomationHarness.Json, TestContext.Current.CancellationToken))!.Id);
        Assert.Equal(HttpStatusCode.Conflict, different.StatusCode);
        Assert.Equal("automation.idempotency_conflict", (await different.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("code").GetString());
        Assert.Single((await app.GetJsonAsync<RunListResponse>("/api/automation/runs")).Runs);
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_with_filters_and_a_cursor_that_walks_every_run_once()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["AUTOMATION_AGENTS_FILE"] = AgentsFile() });
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await AutomationHarness.SubmitAsync(app.Client, $"run {i}")).Id);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await app.GetJsonAsync<RunListResponse>($"/api/automation/runs?limit=3&state=failed{(cursor is null ? "" : "&cursor=" + cursor)}");
            Assert.True(page.Runs.Count <= 3);
            seen.AddRange(page.Runs.Select(r => r.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Reverse(ids), seen);
        Assert.Empty((await app.GetJsonAsync<RunListResponse>("/api/automation/runs?state=running")).Runs);
        Assert.Empty((await app.GetJsonAsync<RunListResponse>("/api/automation/runs?agent=codex")).Runs);
        Assert.Equal(7, (await app.GetJsonAsync<RunListResponse>("/api/automation/runs?repository=local&agent=test")).Runs.Count);
    }

    [Fact]
    public async Task The_event_stream_sends_state_changes_and_live_log_lines_and_ends_when_the_run_does()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings());
        var run = await AutomationHarness.SubmitAsync(app.Client, "Stream me", dryRun: true);

        using var stream = await app.Client.GetStreamAsync($"/api/automation/runs/{run.Id}/stream", TestContext.Current.CancellationToken);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        string? line;
        while ((line = await reader.ReadLineAsync(TestContext.Current.CancellationToken)) is not null)
        {
            lines.Add(line);
        }

        var text = string.Join('\n', lines);
        Assert.Contains("event: stdout", text, StringComparison.Ordinal);
        Assert.Contains("agent: wrote specs/001-stream/tasks.md", text, StringComparison.Ordinal);
        Assert.Contains("event: stderr", text, StringComparison.Ordinal);
        Assert.Contains("Step publish succeeded", text, StringComparison.Ordinal);
        Assert.Equal("event: end", lines.Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Last());
        var ids = lines.Where(l => l.StartsWith("id: ", StringComparison.Ordinal)).Select(l => long.Parse(l[4..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Length, ids.Distinct().Count());

        // Resuming with Last-Event-ID sends only what came after.
        using var resume = new HttpRequestMessage(HttpMethod.Get, $"/api/automation/runs/{run.Id}/stream");
        resume.Headers.Add("Last-Event-ID", ids[^2].ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var resumed = await app.Client.SendAsync(resume, TestContext.Current.CancellationToken);
        var rest = await resumed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal([ids[^1]], rest.Split('\n').Where(l => l.StartsWith("id: ", StringComparison.Ordinal)).Select(l => long.Parse(l[4..], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_finished_stream_leaves_nothing_behind_in_the_notifier()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["AUTOMATION_AGENTS_FILE"] = AgentsFile() });
        var run = await AutomationHarness.SubmitAsync(app.Client, "missing secret: finished before the stream starts");

        var text = await app.Client.GetStringAsync($"/api/automation/runs/{run.Id}/stream", TestContext.Current.CancellationToken);

        Assert.Contains("event: end", text, StringComparison.Ordinal);
        Assert.Equal(0, app.Services.GetRequiredService<SpecEditor.Automation.Engine.RunNotifier>().WatchedRunCount);
    }

    [Fact]
    public async Task Artifacts_and_workspaces_past_their_retention_are_purged_on_schedule()
    {
        using var harness = await AutomationHarness.CreateAsync();
        await using var app = await TestApp.StartAsync(harness.Settings(new Dictionary<string, string?>
        {
            ["AUTOMATION_ARTIFACT_RETENTION_HOURS"] = "0.001",
            ["AUTOMATION_PURGE_INTERVAL_SECONDS"] = "1",
        }));
        var run = await AutomationHarness.WaitAsync(app.Client, (await AutomationHarness.SubmitAsync(app.Client, "Short-lived", dryRun: true)).Id);
        Assert.NotEmpty(run.Artifacts!);
        var workspace = Path.Combine(app.DataDir, "automation", "work", run.Id);
        Assert.True(Directory.Exists(workspace));

        var purged = await AutomationHarness.WaitAsync(app.Client, run.Id, r => r.Artifacts!.Count == 0, seconds: 30);

        Assert.Equal("succeeded", purged.State);
        using var download = await app.Client.GetAsync($"/api/automation/runs/{run.Id}/artifacts/run-summary.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.Exists(workspace) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.False(Directory.Exists(workspace), "the workspace was purged");
        var events = await AutomationHarness.EventsAsync(app.Client, run.Id);
        Assert.DoesNotContain(events, e => e.Kind is "stdout" or "stderr");
        Assert.Contains(events, e => e.Message == "Run succeeded");
        using var retry = await app.Client.PostAsJsonAsync($"/api/automation/runs/{run.Id}/retry", new { fromStep = "plan" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
    }

    [Fact]
    public async Task Job_containers_whose_attempt_is_not_running_are_removed_when_the_app_starts()
    {
        using var harness = await AutomationHarness.CreateAsync();
        using var client = TestAgentImage.Client();
        var orphanRun = Guid.NewGuid().ToString("N");
        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = harness.Image,
            Cmd = ["/bin/sleep", "300"],
            User = "65534:65534",
            Labels = SpecEditor.Automation.Runners.Labels.For(new(orphanRun, "plan", 1), "crashed-instance", harness.Scope),
        }, TestContext.Current.CancellationToken);
        await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), TestContext.Current.CancellationToken);

        var foreign = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = harness.Image,
            Cmd = ["/bin/sleep", "300"],
            User = "65534:65534",
            Labels = SpecEditor.Automation.Runners.Labels.For(new(orphanRun, "tasks", 1), "other-deployment", "another-scope"),
        }, TestContext.Current.CancellationToken);

        try
        {
            await using var app = await TestApp.StartAsync(harness.Settings());

            await AutomationHarness.AssertNoContainersAsync(orphanRun, ignore: foreign.ID);

            // Another deployment's job on the same Docker host is not this app's orphan.
            await client.Containers.InspectContainerAsync(foreign.ID, TestContext.Current.CancellationToken);
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(foreign.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_run_cancelled_while_still_queued_is_retried_from_its_first_step()
    {
        // Without the engine's worker nothing admits the run, so it is cancelled with every step still pending.
        await using var app = await TestApp.StartAsync(
            new Dictionary<string, string?> { ["AUTOMATION_AGENTS_FILE"] = AgentsFile(), [TestAgentImage.SecretName] = "x" },
            builder =>
            {
                foreach (var worker in builder.Services.Where(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService) && d.ImplementationFactory?.Method.ReturnType == typeof(AutomationWorker)).ToList())
                {
                    builder.Services.Remove(worker);
                }
            });
        var submitted = await AutomationHarness.SubmitAsync(app.Client, "Cancelled in the queue", dryRun: true);
        Assert.Equal("queued", submitted.State);
        using var cancel = await app.Client.PostAsync($"/api/automation/runs/{submitted.Id}/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = await AutomationHarness.GetAsync(app.Client, submitted.Id);
        Assert.Equal("cancelled", cancelled.State);
        Assert.All(cancelled.Steps!, s => Assert.Equal("pending", s.State));

        using var retry = await app.Client.PostAsJsonAsync($"/api/automation/runs/{submitted.Id}/retry", new { }, TestContext.Current.CancellationToken);

        Assert.True(retry.StatusCode == HttpStatusCode.Accepted, await retry.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var retried = await AutomationHarness.GetAsync(app.Client, submitted.Id);
        Assert.Equal("queued", retried.State);
        Assert.Contains(await AutomationHarness.EventsAsync(app.Client, submitted.Id), e => e.Message == "Run queued again from clone");
    }

    private static string AgentsFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"agents-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, TestAgentImage.AgentsJson("spec-editor-test-agent:none"));
        return path;
    }
}
