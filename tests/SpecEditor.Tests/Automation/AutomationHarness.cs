using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SpecEditor.Automation;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation;

/// <summary>Settings and helpers for engine tests: the local test agent, fast retries and polling, and waiting for runs over the API.</summary>
public sealed class AutomationHarness : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TempDirectory _config = new("spec-editor-agents");

    private AutomationHarness(string image, string secret)
    {
        Image = image;
        Secret = secret;
        AgentsFile = Path.Combine(_config.Path, "agents.json");
        File.WriteAllText(AgentsFile, TestAgentImage.AgentsJson(image));
        InstanceId = "test-" + Guid.NewGuid().ToString("N")[..8];
        Scope = "test-" + Guid.NewGuid().ToString("N")[..12];
    }

    public string Image { get; }

    /// <summary>A value for TEST_AGENT_TOKEN unique to this test, so finding it anywhere proves a leak.</summary>
    public string Secret { get; }

    public string AgentsFile { get; }

    public string InstanceId { get; }

    /// <summary>This test's job scope: apps of other tests on the same Docker engine never touch its containers.</summary>
    public string Scope { get; }

    public static async Task<AutomationHarness> CreateAsync()
    {
        var image = await TestAgentImage.EnsureAsync(TestContext.Current.CancellationToken);
        return new AutomationHarness(image, "sk-test-" + Guid.NewGuid().ToString("N"));
    }

    public Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AUTOMATION_AGENTS_FILE"] = AgentsFile,
            [TestAgentImage.SecretName] = Secret,
            ["AUTOMATION_JOB_NETWORK"] = "none",
            ["AUTOMATION_RETRY_BASE_SECONDS"] = "0.2",
            ["AUTOMATION_RETRY_MAX_SECONDS"] = "1",
            ["AUTOMATION_POLL_MILLISECONDS"] = "200",
            ["AUTOMATION_INSTANCE_ID"] = InstanceId,
            ["AUTOMATION_JOB_SCOPE"] = Scope,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public static async Task<RunResponse> SubmitAsync(HttpClient client, string description, bool dryRun = false, string agent = "test", IReadOnlyList<string>? phases = null)
    {
        using var response = await client.PostAsJsonAsync("/api/automation/runs", new { repository = "local", baseBranch = "main", description, agent, dryRun, phases }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"submit answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<RunResponse>(body, Json)!;
    }

    public static async Task<RunResponse> GetAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/automation/runs/{id}", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET run answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<RunResponse>(body, Json)!;
    }

    /// <summary>Polls the run until <paramref name="done"/> holds (by default: it finished); fails with the run's state after the timeout.</summary>
    public static async Task<RunResponse> WaitAsync(HttpClient client, string id, Func<RunResponse, bool>? done = null, int seconds = 120)
    {
        // The run summary is written right after the final state; wait for it too.
        done ??= run => RunStates.IsFinal(run.State) && run.Artifacts?.Any(a => a.Name == "run-summary.json") == true;
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        RunResponse run;
        do
        {
            run = await GetAsync(client, id);
            if (done(run))
            {
                return run;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"run {id} did not get there in {seconds} s: {JsonSerializer.Serialize(run, Json)}");
        return run;
    }

    public static async Task<string> ArtifactTextAsync(HttpClient client, RunResponse run, string name)
    {
        using var response = await client.GetAsync($"/api/automation/runs/{run.Id}/artifacts/{name}", TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"artifact {name} answered {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    public static async Task<IReadOnlyList<EventResponse>> EventsAsync(HttpClient client, string id)
    {
        var events = await client.GetFromJsonAsync<List<EventResponse>>($"/api/automation/runs/{id}/events?limit=5000", Json, TestContext.Current.CancellationToken);
        return events!;
    }

    /// <summary>Waits until no container of the run is left (removal happens right after the step, but asynchronously to the API).</summary>
    public static async Task AssertNoContainersAsync(string runId, int seconds = 15, string? ignore = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        IList<Docker.DotNet.Models.ContainerListResponse> left;
        do
        {
            left = (await TestAgentImage.ContainersOfRunAsync(runId)).Where(c => c.ID != ignore).ToList();
            if (left.Count == 0)
            {
                return;
            }

            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"containers of run {runId} are still there: {string.Join(", ", left.Select(c => $"{c.Names.FirstOrDefault()} ({c.State})"))}");
    }

    public void Dispose() => _config.Dispose();
}
