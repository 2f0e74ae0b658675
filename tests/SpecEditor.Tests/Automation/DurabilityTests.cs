using Npgsql;
using SpecEditor.Data;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation;

/// <summary>Crashes and replicas: the app killed mid-phase and restarted, and two app instances sharing one PostgreSQL.</summary>
public sealed class DurabilityTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_run_whose_app_is_killed_mid_phase_finishes_after_a_restart_and_leaves_no_container()
    {
        using var harness = await AutomationHarness.CreateAsync();
        using var data = new TempDirectory("spec-editor-crash");
        var settings = harness.Settings(new Dictionary<string, string?> { ["DATA_DIR"] = data.Path, ["AUTOMATION_LEASE_SECONDS"] = "3", ["SPEC_STORE"] = "local" });

        string runId;
        await using (var first = await AppProcess.StartAsync(settings))
        {
            runId = (await AutomationHarness.SubmitAsync(first.Client, "Survives a crash [slow:plan]", dryRun: true)).Id;
            await AutomationHarness.WaitAsync(first.Client, runId, r => r.Steps!.Single(s => s.Name == "plan").AttemptHistory is [{ JobId: not null }]);
            await first.KillAsync();
        }

        var orphaned = await TestAgentImage.ContainersOfRunAsync(runId);
        Assert.Single(orphaned);

        settings["AUTOMATION_INSTANCE_ID"] = harness.InstanceId + "-restarted";
        await using var second = await AppProcess.StartAsync(settings);
        var run = await AutomationHarness.WaitAsync(second.Client, runId, seconds: 90);

        Assert.True(run.State == "succeeded", $"{run.State}: {run.Error}\n{second.Output}");
        var plan = run.Steps!.Single(s => s.Name == "plan");
        Assert.Equal("succeeded", plan.State);
        var events = await AutomationHarness.EventsAsync(second.Client, runId);
        Assert.Contains(events, e => e.Step == "plan" && e.Message.StartsWith("Took over plan attempt 1 from " + harness.InstanceId, StringComparison.Ordinal));
        Assert.Contains(events, e => e.Step == "plan" && e.Message.Contains("Adopted job", StringComparison.Ordinal));
        Assert.Single(plan.AttemptHistory);
        Assert.Equal(harness.InstanceId + "-restarted", plan.AttemptHistory[0].Instance);
        Assert.All(run.Steps!.Where(s => s.Name != "plan"), s => Assert.True(s.AttemptHistory.Count == 1, $"{s.Name} ran {s.AttemptHistory.Count} times"));
        await AutomationHarness.AssertNoContainersAsync(runId);
    }

    [Fact]
    public async Task Two_instances_on_one_postgres_run_every_step_exactly_once_within_the_repository_cap()
    {
        using var harness = await AutomationHarness.CreateAsync();
        using var shared = new TempDirectory("spec-editor-replicas");
        var database = await postgres.CreateDatabaseAsync();
        Dictionary<string, string?> Instance(string name) => harness.Settings(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = database,
            ["LOCAL_REPO"] = Path.Combine(shared.Path, "specs.git"),
            ["AUTOMATION_WORK_DIR"] = Path.Combine(shared.Path, "work"),
            ["AUTOMATION_INSTANCE_ID"] = name,
            ["AUTOMATION_MAX_CONCURRENT_RUNS"] = "10",
            ["AUTOMATION_MAX_RUNS_PER_REPOSITORY"] = "2",
        });

        await using var a = await TestApp.StartAsync(Instance("replica-a"));
        await using var b = await TestApp.StartAsync(Instance("replica-b"));
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await AutomationHarness.SubmitAsync(i % 2 == 0 ? a.Client : b.Client, $"Replicated run {i}", dryRun: true)).Id);
        }

        var runs = new List<SpecEditor.Automation.RunResponse>();
        foreach (var id in ids)
        {
            runs.Add(await AutomationHarness.WaitAsync(a.Client, id, seconds: 180));
        }

        Assert.All(runs, run => Assert.True(run.State == "succeeded", $"{run.Id}: {run.State} {run.Error}"));
        await using var connection = new NpgsqlConnection(new SpecEditor.Data.DatabaseSettings { Url = database }.ConnectionString());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var perStep = (await connection.Command("SELECT run_id, step, COUNT(*) FROM automation_attempts GROUP BY run_id, step")
            .QueryAsync(row => (RunId: row.Text(0), Step: row.Text(1), Count: row.Int64(2)), TestContext.Current.CancellationToken)).ToArray();
        Assert.Equal(6 * 5, perStep.Length);
        Assert.All(perStep, row => Assert.True(row.Count == 1, $"{row.RunId} {row.Step} ran {row.Count} times"));
        var jobsStarted = await connection.Command("SELECT COUNT(*) FROM automation_events WHERE message LIKE 'Started docker job%'").ScalarAsync<long>(TestContext.Current.CancellationToken);
        Assert.Equal(6 * 3, jobsStarted);
        // Both replicas poll the same queue; which one wins each step is up to timing, so only who may hold them is asserted.
        var instances = (await connection.Command("SELECT DISTINCT instance FROM automation_attempts").QueryAsync(row => row.Text(0), TestContext.Current.CancellationToken)).ToHashSet();
        Assert.Subset(new HashSet<string> { "replica-a", "replica-b" }, instances);

        // Never more than two runs of the same repository at once (the cap holds across instances).
        var spans = runs.Select(r => (Start: r.StartedAt!.Value, End: r.FinishedAt!.Value)).ToArray();
        var peak = spans.Max(s => spans.Count(o => o.Start <= s.Start && s.Start < o.End));
        Assert.InRange(peak, 1, 2);
        foreach (var id in ids)
        {
            await AutomationHarness.AssertNoContainersAsync(id);
        }
    }
}
