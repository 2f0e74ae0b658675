using SpecEditor.Automation;
using SpecEditor.Automation.Store;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation.Store;

/// <summary>The store's contracts that the engine relies on and the API cannot show on its own.</summary>
public sealed class RunStoreTests
{
    [Fact]
    public async Task A_run_that_cannot_start_is_inserted_already_failed_so_no_worker_ever_admits_or_claims_it()
    {
        await using var app = await TestApp.StartAsync();
        var store = app.Services.GetRequiredService<RunStore>();
        var cancellationToken = TestContext.Current.CancellationToken;
        var now = DateTimeOffset.UtcNow;
        var createdAt = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % 10), TimeSpan.Zero);
        var error = "missing secret TEST_AGENT_TOKEN for agent test: set it in the app's environment";
        var run = new RunRow
        {
            Id = Guid.NewGuid().ToString("N"),
            Repository = "local",
            BaseBranch = "main",
            Description = "Needs a token",
            Agent = "test",
            Phases = "specify,plan",
            RequestHash = "hash",
            State = RunStates.Failed,
            Error = error,
            CreatedAt = createdAt,
        };

        Assert.NotNull(await store.TryInsertRunAsync(run, cancellationToken));

        var stored = await store.GetRunAsync(run.Id, cancellationToken);
        Assert.Equal(RunStates.Failed, stored!.State);
        Assert.Equal(error, stored.Error);
        Assert.Equal(createdAt, stored.FinishedAt);
        var steps = await store.GetStepsAsync(run.Id, cancellationToken);
        Assert.Equal(
            [StepStates.Cancelled, StepStates.Cancelled, StepStates.Cancelled, StepStates.Skipped, StepStates.Cancelled],
            steps.Select(s => s.State));
        Assert.All(steps.Where(s => s.State == StepStates.Cancelled), s => Assert.Equal(error, s.Error));
        Assert.Equal(
            ["Run submitted: test on local@main", error, $"Run failed: {error}"],
            (await store.GetEventsAsync(run.Id, 0, 10, cancellationToken)).Select(e => e.Message));
        Assert.Empty(await store.AdmitAsync(now.AddDays(1), 100, 100, TimeSpan.FromHours(1), cancellationToken));
        Assert.Null(await store.ClaimAsync("test-instance", now.AddDays(1), TimeSpan.FromMinutes(1), cancellationToken));
    }
}
