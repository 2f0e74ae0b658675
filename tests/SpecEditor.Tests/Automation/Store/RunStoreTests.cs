using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SpecEditor.Automation;
using SpecEditor.Automation.Store;
using SpecEditor.Data;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation.Store;

/// <summary>
/// The store's contracts that the engine relies on and the API cannot show, on SQLite and PostgreSQL. The store stands alone
/// here, with no worker of an app admitting or claiming behind the test's back.
/// </summary>
public sealed class RunStoreTests(PostgresServer postgres)
{
    private const string DeadlineError = "the run passed its deadline (7200 s, AUTOMATION_RUN_TIMEOUT_SECONDS)";

    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    public static TheoryData<string, string> ProvidersAndStopReasons => new()
    {
        { "sqlite", CancelReasons.Cancelled }, { "sqlite", CancelReasons.Timeout }, { "postgres", CancelReasons.Cancelled }, { "postgres", CancelReasons.Timeout },
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_run_that_cannot_start_is_inserted_already_failed_so_no_worker_ever_admits_or_claims_it(string provider)
    {
        using var data = new TempDirectory("spec-editor-store");
        await using var database = await OpenAsync(provider, data);
        var store = new RunStore(database);
        var cancellationToken = TestContext.Current.CancellationToken;
        var now = Microseconds(DateTimeOffset.UtcNow);
        var error = "missing secret TEST_AGENT_TOKEN for agent test: set it in the app's environment";

        Assert.NotNull(await store.TryInsertRunAsync(NewRun(now, RunStates.Failed, error), cancellationToken));

        var run = Assert.Single((await store.ListRunsAsync(new RunFilter(null, null, null), null, 10, cancellationToken)).Runs);
        Assert.Equal(RunStates.Failed, run.State);
        Assert.Equal(error, run.Error);
        Assert.Equal(now, run.FinishedAt);
        var steps = await store.GetStepsAsync(run.Id, cancellationToken);
        Assert.Equal(
            [StepStates.Cancelled, StepStates.Cancelled, StepStates.Cancelled, StepStates.Skipped, StepStates.Cancelled],
            steps.Select(s => s.State));
        Assert.All(steps.Where(s => s.State == StepStates.Cancelled), s => Assert.Equal(error, s.Error));
        Assert.Equal(
            ["Run submitted: test on local@main", error, $"Run failed: {error}"],
            (await store.GetEventsAsync(run.Id, 0, 10, cancellationToken)).Select(e => e.Message));
        Assert.False(await store.HasWorkAsync(now.AddDays(1), cancellationToken));
        Assert.Empty(await store.AdmitAsync(now.AddDays(1), 100, 100, TimeSpan.FromHours(1), cancellationToken));
        Assert.Null(await store.ClaimAsync("test-instance", now.AddDays(1), TimeSpan.FromMinutes(1), cancellationToken));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_idle_check_sees_exactly_the_work_that_admission_and_claiming_would_take(string provider)
    {
        using var data = new TempDirectory("spec-editor-store");
        await using var database = await OpenAsync(provider, data);
        var store = new RunStore(database);
        var cancellationToken = TestContext.Current.CancellationToken;
        var now = Microseconds(DateTimeOffset.UtcNow);
        Assert.False(await store.HasWorkAsync(now, cancellationToken));

        await store.TryInsertRunAsync(NewRun(now, RunStates.Queued, null), cancellationToken);
        Assert.True(await store.HasWorkAsync(now, cancellationToken));

        Assert.Single(await store.AdmitAsync(now, 100, 100, TimeSpan.FromHours(1), cancellationToken));
        Assert.True(await store.HasWorkAsync(now, cancellationToken));
        Assert.NotNull(await store.ClaimAsync("test-instance", now, TimeSpan.FromMinutes(1), cancellationToken));
        Assert.False(await store.HasWorkAsync(now, cancellationToken));
        Assert.Null(await store.ClaimAsync("test-instance", now, TimeSpan.FromMinutes(1), cancellationToken));

        // Once the lease runs out, the step is there to take over.
        var later = now.AddMinutes(2);
        Assert.True(await store.HasWorkAsync(later, cancellationToken));
        Assert.NotNull(await store.ClaimAsync("other-instance", later, TimeSpan.FromMinutes(1), cancellationToken));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_local_pull_request_is_numbered_by_its_row_once_and_keeps_number_and_link_when_published_again(string provider)
    {
        using var data = new TempDirectory("spec-editor-store");
        await using var database = await OpenAsync(provider, data);
        var store = new RunStore(database);
        var cancellationToken = TestContext.Current.CancellationToken;
        var now = Microseconds(DateTimeOffset.UtcNow);
        var run = NewRun(now, RunStates.Queued, null);
        await store.TryInsertRunAsync(run, cancellationToken);
        PullRequestRow Pull(string commit) => new()
        {
            RunId = run.Id, Target = "local", Repository = "local", BaseBranch = "main", HeadBranch = "speckit/x", HeadCommit = commit,
            Title = "Spec Kit: x", Body = "body", Draft = true, State = "open", Files = "[]",
        };

        var first = await store.UpsertPullRequestAsync(Pull("abc"), now, "http://app/runs/1#pull-request", cancellationToken);
        var again = await store.UpsertPullRequestAsync(Pull("def"), now.AddSeconds(1), "http://moved/runs/1#pull-request", cancellationToken);

        Assert.Equal(first.Id, first.Number);
        Assert.Equal("http://app/runs/1#pull-request", first.Url);
        Assert.Equal(first.Number, again.Number);
        Assert.Equal(first.Url, again.Url);
        Assert.Equal("def", again.HeadCommit);
        Assert.Equal(again.HeadCommit, (await store.GetPullRequestAsync(run.Id, cancellationToken))!.HeadCommit);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndStopReasons))]
    public async Task A_stop_that_lands_while_a_step_succeeds_ends_the_run_instead_of_readying_the_next_step(string provider, string reason)
    {
        using var data = new TempDirectory("spec-editor-store");
        await using var database = await OpenAsync(provider, data);
        var store = new RunStore(database);
        var cancellationToken = TestContext.Current.CancellationToken;
        var now = Microseconds(DateTimeOffset.UtcNow);
        var (run, claim) = await ClaimFirstStepAsync(store, now, cancellationToken);
        var error = reason == CancelReasons.Timeout ? DeadlineError : "cancelled";

        // A step is executing, so the request leaves the run to its executor, whose job ended before its heartbeat saw it.
        Assert.False(await store.RequestStopAsync(run.Id, reason, error, now, cancellationToken));
        var completion = await store.CompleteStepAsync(claim, new StepOutcome.Succeeded(), now, 3, _ => TimeSpan.FromSeconds(1), DeadlineError, cancellationToken);

        var runState = reason == CancelReasons.Timeout ? RunStates.Failed : RunStates.Cancelled;
        Assert.Equal(new Completion(true, runState, null), completion);
        var stopped = (await store.GetRunAsync(run.Id, cancellationToken))!;
        Assert.Equal(runState, stopped.State);
        Assert.Equal(error, stopped.Error);
        Assert.Equal(now, stopped.FinishedAt);
        var steps = await store.GetStepsAsync(run.Id, cancellationToken);
        Assert.Equal(StepStates.Succeeded, steps[0].State);
        Assert.Equal(reason == CancelReasons.Timeout ? StepStates.Failed : StepStates.Cancelled, steps[1].State);
        Assert.Equal(error, steps[1].Error);
        Assert.Equal(StepStates.Pending, steps[2].State);
        Assert.False(await store.HasWorkAsync(now.AddDays(1), cancellationToken));
    }

    [Theory]
    [MemberData(nameof(ProvidersAndStopReasons))]
    public async Task A_stop_that_lands_while_a_step_fails_ends_the_run_instead_of_scheduling_a_retry(string provider, string reason)
    {
        using var data = new TempDirectory("spec-editor-store");
        await using var database = await OpenAsync(provider, data);
        var store = new RunStore(database);
        var cancellationToken = TestContext.Current.CancellationToken;
        var now = Microseconds(DateTimeOffset.UtcNow);
        var (run, claim) = await ClaimFirstStepAsync(store, now, cancellationToken);
        var error = reason == CancelReasons.Timeout ? DeadlineError : "cancelled";

        Assert.False(await store.RequestStopAsync(run.Id, reason, error, now, cancellationToken));
        var completion = await store.CompleteStepAsync(
            claim, new StepOutcome.Failed("exit code 1", Retryable: true), now, 3, _ => TimeSpan.FromSeconds(1), DeadlineError, cancellationToken);

        var runState = reason == CancelReasons.Timeout ? RunStates.Failed : RunStates.Cancelled;
        Assert.Equal(new Completion(true, runState, null), completion);
        var stopped = (await store.GetRunAsync(run.Id, cancellationToken))!;
        Assert.Equal(runState, stopped.State);
        Assert.Equal(error, stopped.Error);
        var step = (await store.GetStepsAsync(run.Id, cancellationToken))[0];
        Assert.Equal(reason == CancelReasons.Timeout ? StepStates.Failed : StepStates.Cancelled, step.State);
        Assert.Equal(error, step.Error);
        var attempt = Assert.Single(await store.GetAttemptsAsync(run.Id, cancellationToken));
        Assert.Equal(AttemptStates.Failed, attempt.State);
        Assert.Equal("exit code 1", attempt.Error);
        Assert.False(await store.HasWorkAsync(now.AddDays(1), cancellationToken));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Retries_that_race_queue_a_finished_run_once(string provider)
    {
        using var data = new TempDirectory("spec-editor-store");
        await using var database = await OpenAsync(provider, data);
        var store = new RunStore(database);
        var cancellationToken = TestContext.Current.CancellationToken;
        var now = Microseconds(DateTimeOffset.UtcNow);
        var run = NewRun(now, RunStates.Failed, "missing secret TEST_AGENT_TOKEN");
        await store.TryInsertRunAsync(run, cancellationToken);

        // Each caller checked that the run is finished before any of them wrote.
        var requeues = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => store.RequeueAsync(run.Id, Steps.Clone, now, cancellationToken), cancellationToken)));

        Assert.Single(requeues, requeued => requeued);
        var queued = (await store.GetRunAsync(run.Id, cancellationToken))!;
        Assert.Equal(RunStates.Queued, queued.State);
        Assert.Equal(1, queued.Rerun);
        Assert.Single(await store.GetEventsAsync(run.Id, 0, 100, cancellationToken), e => e.Message == "Run queued again from clone");
        Assert.False(await store.RequeueAsync(run.Id, Steps.Clone, now, cancellationToken));
    }

    [Fact]
    public async Task Admission_on_postgres_skips_a_run_cancelled_while_it_waited_for_the_row()
    {
        using var data = new TempDirectory("spec-editor-store");
        await using var database = await OpenAsync("postgres", data);
        var store = new RunStore(database);
        var cancellationToken = TestContext.Current.CancellationToken;
        var now = Microseconds(DateTimeOffset.UtcNow);
        var run = NewRun(now, RunStates.Queued, null);
        await store.TryInsertRunAsync(run, cancellationToken);

        // Stands in for a cancel's transaction: it has the run's row when admission, which read the run as queued, comes to start it.
        await using var cancel = await database.OpenAsync(cancellationToken);
        await using var transaction = await cancel.BeginTransactionAsync(cancellationToken);
        await cancel.Command("SELECT 1 FROM automation_runs WHERE id = @Id FOR UPDATE", transaction).With("Id", run.Id).ExecuteAsync(cancellationToken);
        var admission = store.AdmitAsync(now, 100, 100, TimeSpan.FromHours(2), cancellationToken);
        await using (var observer = await database.OpenAsync(cancellationToken))
        {
            while (await observer.Command("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").ScalarAsync<long>(cancellationToken) == 0)
            {
                Assert.False(admission.IsCompleted, "admission did not wait for the run's row");
                await Task.Delay(20, cancellationToken);
            }
        }

        await cancel.Command(
            "UPDATE automation_runs SET state = 'cancelled', cancel_requested = TRUE, cancel_reason = 'cancelled', finished_at = @now WHERE id = @Id",
            transaction).With("Id", run.Id).With("now", now).ExecuteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        Assert.Empty(await admission);
        Assert.Equal(RunStates.Cancelled, await store.GetRunStateAsync(run.Id, cancellationToken));
        Assert.DoesNotContain(await store.GetStepsAsync(run.Id, cancellationToken), s => s.State == StepStates.Ready);
        Assert.DoesNotContain(await store.GetEventsAsync(run.Id, 0, 100, cancellationToken), e => e.Message == "Run started");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_executor_loses_its_lease_when_its_own_instance_takes_the_step_over(string provider)
    {
        using var data = new TempDirectory("spec-editor-store");
        await using var database = await OpenAsync(provider, data);
        var store = new RunStore(database);
        var cancellationToken = TestContext.Current.CancellationToken;
        var now = Microseconds(DateTimeOffset.UtcNow);
        var (run, stale) = await ClaimFirstStepAsync(store, now, cancellationToken);

        // The database was out for longer than the lease; when it is back, a worker of the same instance claims first.
        var later = now.AddMinutes(2);
        var current = await store.ClaimAsync("test-instance", later, TimeSpan.FromMinutes(1), cancellationToken);
        Assert.NotNull(current);
        Assert.True(current.TakenOver);
        Assert.Equal(stale.Attempt, current.Attempt);

        Assert.Null(await store.RenewLeaseAsync(stale, later, TimeSpan.FromMinutes(1), cancellationToken));
        Assert.False((await store.CompleteStepAsync(stale, new StepOutcome.Succeeded(), later, 3, _ => TimeSpan.FromSeconds(1), DeadlineError, cancellationToken)).Applied);
        Assert.Equal(StepStates.Running, (await store.GetStepsAsync(run.Id, cancellationToken))[0].State);

        Assert.Equal("", await store.RenewLeaseAsync(current, later, TimeSpan.FromMinutes(1), cancellationToken));
        Assert.Equal(
            new Completion(true, RunStates.Running, null),
            await store.CompleteStepAsync(current, new StepOutcome.Succeeded(), later, 3, _ => TimeSpan.FromSeconds(1), DeadlineError, cancellationToken));
    }

    private static async Task<(RunRow Run, ClaimedStep Claim)> ClaimFirstStepAsync(RunStore store, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var run = NewRun(now, RunStates.Queued, null);
        await store.TryInsertRunAsync(run, cancellationToken);
        Assert.Single(await store.AdmitAsync(now, 100, 100, TimeSpan.FromHours(2), cancellationToken));
        var claim = await store.ClaimAsync("test-instance", now, TimeSpan.FromMinutes(1), cancellationToken);
        Assert.NotNull(claim);
        return (run, claim);
    }

    private async Task<Database> OpenAsync(string provider, TempDirectory data)
    {
        var settings = provider == "postgres"
            ? new DatabaseSettings { Url = await postgres.CreateDatabaseAsync() }
            : new DatabaseSettings { DataDir = data.Path };
        var database = new Database(Options.Create(settings));
        await new MigrationRunner(database, NullLogger<MigrationRunner>.Instance).ApplyAsync(TestContext.Current.CancellationToken);
        return database;
    }

    private static RunRow NewRun(DateTimeOffset createdAt, string state, string? error) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Repository = "local",
        BaseBranch = "main",
        Description = "A feature",
        Agent = "test",
        Phases = "specify,plan",
        RequestHash = "hash",
        State = state,
        Error = error,
        CreatedAt = createdAt,
    };

    // PostgreSQL keeps whole microseconds.
    private static DateTimeOffset Microseconds(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);
}
