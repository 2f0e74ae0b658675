using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using SpecEditor.Data;

namespace SpecEditor.Automation.Store;

public sealed record RunFilter(string? State, string? Repository, string? Agent);

public sealed record RunPage(IReadOnlyList<RunRow> Runs, string? NextCursor);

/// <summary>What became of a step's attempt; <see cref="RunStore.CompleteStepAsync"/> turns it into step and run states.</summary>
public abstract record StepOutcome
{
    public int? ExitCode { get; init; }

    public DateTimeOffset? JobStartedAt { get; init; }

    public DateTimeOffset? JobFinishedAt { get; init; }

    public sealed record Succeeded : StepOutcome;

    /// <param name="AttemptState">failed, timed_out or interrupted.</param>
    public sealed record Failed(string Error, bool Retryable, string AttemptState = AttemptStates.Failed) : StepOutcome;

    /// <param name="Reason">cancelled (by a person) or timeout (the run's deadline passed).</param>
    public sealed record Stopped(string Reason, string Error) : StepOutcome;
}

/// <summary>What <see cref="RunStore.CompleteStepAsync"/> did: whether the claim still held the step, and the run's state after.</summary>
public sealed record Completion(bool Applied, string RunState, TimeSpan? RetryIn);

/// <summary>
/// The engine's state in the app database. Steps are leased: PostgreSQL claims rows with <c>FOR UPDATE SKIP LOCKED</c> so two
/// instances never take the same step, SQLite (one instance) takes the same code path inside <c>BEGIN IMMEDIATE</c>. Every write
/// made on behalf of a lease is fenced on the lease token its claim wrote, new with every claim and takeover, so an executor that
/// lost its lease cannot overwrite the new holder's work, even when the new holder is its own instance.
/// </summary>
public sealed class RunStore(Database database)
{
    private const long AdmissionLockKey = 0x5350_4543_4155_544F; // "SPECAUTO"

    private const string RunColumns =
        "id AS Id, repository AS Repository, base_branch AS BaseBranch, description AS Description, agent AS Agent, phases AS Phases, " +
        "dry_run AS DryRun, idempotency_key AS IdempotencyKey, request_hash AS RequestHash, state AS State, error AS Error, rerun AS Rerun, " +
        "cancel_requested AS CancelRequested, cancel_reason AS CancelReason, base_commit AS BaseCommit, feature_dir AS FeatureDir, branch AS Branch, " +
        "created_at AS CreatedAt, started_at AS StartedAt, finished_at AS FinishedAt, deadline_at AS DeadlineAt, updated_at AS UpdatedAt";

    private const string StepColumns =
        "run_id AS RunId, name AS Name, ordinal AS Ordinal, state AS State, attempts AS Attempts, budget_start AS BudgetStart, not_before AS NotBefore, " +
        "lease_owner AS LeaseOwner, lease_expires_at AS LeaseExpiresAt, started_at AS StartedAt, finished_at AS FinishedAt, error AS Error";

    private const string AttemptColumns =
        "id AS Id, run_id AS RunId, step AS Step, number AS Number, state AS State, instance AS Instance, job_id AS JobId, exit_code AS ExitCode, " +
        "error AS Error, started_at AS StartedAt, finished_at AS FinishedAt, job_started_at AS JobStartedAt, job_finished_at AS JobFinishedAt";

    private const string ArtifactColumns =
        "id AS Id, run_id AS RunId, step AS Step, name AS Name, content_type AS ContentType, size AS Size, sha256 AS Sha256, created_at AS CreatedAt, expires_at AS ExpiresAt";

    private const string PullRequestColumns =
        "id AS Id, run_id AS RunId, target AS Target, repository AS Repository, number AS Number, url AS Url, base_branch AS BaseBranch, " +
        "head_branch AS HeadBranch, head_commit AS HeadCommit, title AS Title, body AS Body, draft AS Draft, state AS State, files AS Files, " +
        "created_at AS CreatedAt, updated_at AS UpdatedAt";

    /// <summary>
    /// Inserts a queued run with its steps; null when the idempotency key is taken (the caller returns the existing run).
    /// A run that cannot start (a missing secret: <see cref="RunRow.State"/> failed, with its <see cref="RunRow.Error"/>) is
    /// inserted already failed, its steps cancelled, in the same transaction, so no worker ever sees it queued.
    /// </summary>
    public async Task<RunRow?> TryInsertRunAsync(RunRow run, CancellationToken cancellationToken)
    {
        var failed = run.State == RunStates.Failed;
        try
        {
            return await InTransactionAsync(async (connection, transaction) =>
            {
                await connection.Command(
                    """
                    INSERT INTO automation_runs (id, repository, base_branch, description, agent, phases, dry_run, idempotency_key, request_hash,
                                                 state, error, rerun, cancel_requested, created_at, finished_at, updated_at)
                    VALUES (@Id, @Repository, @BaseBranch, @Description, @Agent, @Phases, @DryRun, @IdempotencyKey, @RequestHash,
                            @State, @Error, 0, @False, @CreatedAt, @FinishedAt, @CreatedAt)
                    """,
                    transaction)
                    .With("Id", run.Id)
                    .With("Repository", run.Repository)
                    .With("BaseBranch", run.BaseBranch)
                    .With("Description", run.Description)
                    .With("Agent", run.Agent)
                    .With("Phases", run.Phases)
                    .With("DryRun", run.DryRun)
                    .With("IdempotencyKey", run.IdempotencyKey)
                    .With("RequestHash", run.RequestHash)
                    .With("State", run.State)
                    .With("Error", run.Error)
                    .With("False", false)
                    .With("CreatedAt", run.CreatedAt)
                    .With("FinishedAt", failed ? run.CreatedAt : null)
                    .ExecuteAsync(cancellationToken).ConfigureAwait(false);
                var phases = run.PhaseList;
                for (var i = 0; i < Steps.All.Count; i++)
                {
                    var name = Steps.All[i];
                    var skipped = Steps.IsPhase(name) && !phases.Contains(name);
                    await connection.Command(
                        "INSERT INTO automation_steps (run_id, name, ordinal, state, attempts, budget_start, error) VALUES (@RunId, @Name, @Ordinal, @State, 0, 0, @Error)",
                        transaction)
                        .With("RunId", run.Id)
                        .With("Name", name)
                        .With("Ordinal", i)
                        .With("State", skipped ? StepStates.Skipped : failed ? StepStates.Cancelled : StepStates.Pending)
                        .With("Error", failed && !skipped ? run.Error : null)
                        .ExecuteAsync(cancellationToken).ConfigureAwait(false);
                }

                await InsertEventAsync(connection, transaction, run.Id, run.CreatedAt, EventKinds.State, null, null, $"Run submitted: {run.Agent} on {run.Repository}@{run.BaseBranch}", cancellationToken).ConfigureAwait(false);
                if (failed)
                {
                    await InsertEventAsync(connection, transaction, run.Id, run.CreatedAt, EventKinds.State, null, null, run.Error!, cancellationToken).ConfigureAwait(false);
                    await InsertEventAsync(connection, transaction, run.Id, run.CreatedAt, EventKinds.State, null, null, $"Run {RunStates.Failed}: {run.Error}", cancellationToken).ConfigureAwait(false);
                }

                return run;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Database.IsUniqueViolation(ex) && run.IdempotencyKey is not null)
        {
            return null;
        }
    }

    public async Task<RunRow?> FindByIdempotencyKeyAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command($"SELECT {RunColumns} FROM automation_runs WHERE idempotency_key = @key").With("key", key)
            .QuerySingleOrDefaultAsync(ReadRun, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RunRow?> GetRunAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await GetRunAsync(connection, null, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The run's state, or null when there is no such run: for callers that need to know no more.</summary>
    public async Task<string?> GetRunStateAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command("SELECT state FROM automation_runs WHERE id = @id").With("id", id)
            .ScalarAsync<string>(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StepRow>> GetStepsAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command($"SELECT {StepColumns} FROM automation_steps WHERE run_id = @runId ORDER BY ordinal").With("runId", runId)
            .QueryAsync(ReadStep, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AttemptRow>> GetAttemptsAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command($"SELECT {AttemptColumns} FROM automation_attempts WHERE run_id = @runId ORDER BY id").With("runId", runId)
            .QueryAsync(ReadAttempt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Newest first. The cursor is opaque to clients: it encodes the last run's creation time and id.</summary>
    public async Task<RunPage> ListRunsAsync(RunFilter filter, string? cursor, int limit, CancellationToken cancellationToken)
    {
        var where = new List<string>();
        var parameters = new List<Action<DbCommand>>();
        if (filter.State is { } state)
        {
            where.Add("state = @state");
            parameters.Add(command => command.With("state", state));
        }

        if (filter.Repository is { } repository)
        {
            where.Add("repository = @repository");
            parameters.Add(command => command.With("repository", repository));
        }

        if (filter.Agent is { } agent)
        {
            where.Add("agent = @agent");
            parameters.Add(command => command.With("agent", agent));
        }

        if (cursor is not null)
        {
            var (createdAt, id) = DecodeCursor(cursor);
            where.Add("(created_at < @cursorAt OR (created_at = @cursorAt AND id < @cursorId))");
            parameters.Add(command => command.With("cursorAt", createdAt).With("cursorId", id));
        }

        parameters.Add(command => command.With("limit", limit + 1));
        var sql = $"SELECT {RunColumns} FROM automation_runs {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY created_at DESC, id DESC LIMIT @limit";
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var query = connection.Command(sql);
        parameters.ForEach(add => add(query));
        var rows = await query.QueryAsync(ReadRun, cancellationToken).ConfigureAwait(false);
        if (rows.Count <= limit)
        {
            return new RunPage(rows, null);
        }

        var last = rows[limit - 1];
        return new RunPage(rows.Take(limit).ToArray(), EncodeCursor(last.CreatedAt, last.Id));
    }

    /// <summary>
    /// Starts queued runs, oldest first, while the global and per-repository caps allow. Instances take turns here
    /// (an advisory lock on PostgreSQL, the write lock on SQLite), so caps hold across replicas.
    /// </summary>
    public async Task<IReadOnlyList<string>> AdmitAsync(DateTimeOffset now, int maxRuns, int maxPerRepository, TimeSpan runTimeout, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(async (connection, transaction) =>
        {
            if (database.Provider == DatabaseProvider.Postgres)
            {
                await connection.Command("SELECT pg_advisory_xact_lock(@key)", transaction).With("key", AdmissionLockKey).ExecuteAsync(cancellationToken).ConfigureAwait(false);
            }

            var running = (await connection.Command("SELECT repository, COUNT(*) FROM automation_runs WHERE state = 'running' GROUP BY repository", transaction)
                .QueryAsync(row => (Repository: row.Text(0), Count: row.Int64(1)), cancellationToken).ConfigureAwait(false))
                .ToDictionary(r => r.Repository, r => (int)r.Count, StringComparer.Ordinal);
            var total = running.Values.Sum();
            if (total >= maxRuns)
            {
                return (IReadOnlyList<string>)[];
            }

            var queued = await connection.Command("SELECT id, repository FROM automation_runs WHERE state = 'queued' ORDER BY created_at, id LIMIT 200", transaction)
                .QueryAsync(row => (Id: row.Text(0), Repository: row.Text(1)), cancellationToken).ConfigureAwait(false);
            var admitted = new List<string>();
            foreach (var (id, repository) in queued)
            {
                if (total >= maxRuns)
                {
                    break;
                }

                if (running.GetValueOrDefault(repository) >= maxPerRepository)
                {
                    continue;
                }

                var started = await connection.Command(
                    "UPDATE automation_runs SET state = 'running', started_at = COALESCE(started_at, @now), deadline_at = @deadline, updated_at = @now WHERE id = @id AND state = 'queued'",
                    transaction)
                    .With("id", id).With("now", now).With("deadline", now + runTimeout)
                    .ExecuteAsync(cancellationToken).ConfigureAwait(false);
                if (started == 0)
                {
                    // PostgreSQL: cancelled after the read above (the advisory lock does not hold off a cancel).
                    continue;
                }

                await ReadyNextStepAsync(connection, transaction, id, afterOrdinal: -1, now, cancellationToken).ConfigureAwait(false);
                await InsertEventAsync(connection, transaction, id, now, EventKinds.State, null, null, "Run started", cancellationToken).ConfigureAwait(false);
                running[repository] = running.GetValueOrDefault(repository) + 1;
                total++;
                admitted.Add(id);
            }

            return admitted;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether a run waits to be admitted or a step to be claimed (<see cref="ClaimAsync"/>'s condition). A plain read: an
    /// idle instance polls often, and should not take the admission lock and a write transaction each time to find nothing.
    /// </summary>
    public async Task<bool> HasWorkAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command(
            """
            SELECT EXISTS (SELECT 1 FROM automation_runs WHERE state = 'queued')
                OR EXISTS (SELECT 1 FROM automation_steps s JOIN automation_runs r ON r.id = s.run_id
                           WHERE r.state = 'running'
                             AND ((s.state = 'ready' AND s.not_before <= @now AND r.cancel_requested = @False)
                                  OR (s.state = 'running' AND s.lease_expires_at < @now)))
            """)
            .With("now", now).With("False", false)
            .ScalarAsync<bool>(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Leases one step: a ready one whose backoff is over, or a running one whose holder stopped renewing its lease (it crashed
    /// or lost the database). A fresh claim starts a new attempt; a takeover keeps the attempt, so its job can be adopted.
    /// Either writes a new lease token: the instance and attempt alone do not tell the old executor from the new one when an
    /// instance takes over its own step (its lease ran out while the database was unreachable).
    /// </summary>
    public async Task<ClaimedStep?> ClaimAsync(string instance, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        var skipLocked = database.Provider == DatabaseProvider.Postgres ? "FOR UPDATE OF s SKIP LOCKED" : "";
        return await InTransactionAsync(async (connection, transaction) =>
        {
            var step = await connection.Command(
                $"""
                SELECT s.run_id AS RunId, s.name AS Name, s.ordinal AS Ordinal, s.state AS State, s.attempts AS Attempts, s.budget_start AS BudgetStart,
                       s.not_before AS NotBefore, s.lease_owner AS LeaseOwner, s.lease_expires_at AS LeaseExpiresAt, s.started_at AS StartedAt,
                       s.finished_at AS FinishedAt, s.error AS Error
                FROM automation_steps s JOIN automation_runs r ON r.id = s.run_id
                WHERE r.state = 'running'
                  AND ((s.state = 'ready' AND s.not_before <= @now AND r.cancel_requested = @False)
                       OR (s.state = 'running' AND s.lease_expires_at < @now))
                ORDER BY COALESCE(s.lease_expires_at, s.not_before), s.run_id
                LIMIT 1 {skipLocked}
                """,
                transaction)
                .With("now", now).With("False", false)
                .QuerySingleOrDefaultAsync(ReadStep, cancellationToken).ConfigureAwait(false);
            if (step is null)
            {
                return null;
            }

            var expires = now + lease;
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var takeover = step.State == StepStates.Running;
            int attempt;
            if (takeover)
            {
                attempt = step.Attempts;
                await connection.Command(
                    "UPDATE automation_steps SET lease_owner = @instance, lease_token = @token, lease_expires_at = @expires WHERE run_id = @RunId AND name = @Name",
                    transaction)
                    .With("instance", instance).With("token", token).With("expires", expires).With("RunId", step.RunId).With("Name", step.Name)
                    .ExecuteAsync(cancellationToken).ConfigureAwait(false);
                await connection.Command(
                    "UPDATE automation_attempts SET instance = @instance WHERE run_id = @RunId AND step = @Name AND number = @attempt",
                    transaction)
                    .With("instance", instance).With("RunId", step.RunId).With("Name", step.Name).With("attempt", attempt)
                    .ExecuteAsync(cancellationToken).ConfigureAwait(false);
                await InsertEventAsync(connection, transaction, step.RunId, now, EventKinds.State, step.Name, attempt,
                    $"Took over {step.Name} attempt {attempt} from {step.LeaseOwner} (its lease expired)", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                attempt = step.Attempts + 1;
                await connection.Command(
                    """
                    UPDATE automation_steps SET state = 'running', attempts = @attempt, lease_owner = @instance, lease_token = @token, lease_expires_at = @expires,
                           started_at = COALESCE(started_at, @now), finished_at = NULL, error = NULL
                    WHERE run_id = @RunId AND name = @Name
                    """,
                    transaction)
                    .With("attempt", attempt).With("instance", instance).With("token", token).With("expires", expires).With("now", now)
                    .With("RunId", step.RunId).With("Name", step.Name)
                    .ExecuteAsync(cancellationToken).ConfigureAwait(false);
                await connection.Command(
                    "INSERT INTO automation_attempts (run_id, step, number, state, instance, started_at) VALUES (@RunId, @Name, @attempt, 'running', @instance, @now)",
                    transaction)
                    .With("RunId", step.RunId).With("Name", step.Name).With("attempt", attempt).With("instance", instance).With("now", now)
                    .ExecuteAsync(cancellationToken).ConfigureAwait(false);
                await InsertEventAsync(connection, transaction, step.RunId, now, EventKinds.State, step.Name, attempt,
                    $"Step {step.Name} started (attempt {attempt}) on {instance}", cancellationToken).ConfigureAwait(false);
            }

            var run = await GetRunAsync(connection, transaction, step.RunId, cancellationToken).ConfigureAwait(false);
            return new ClaimedStep(run!, step, attempt, takeover, takeover ? step.LeaseOwner : null, token);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Extends the claim's lease; null when it no longer holds the step, else whether the run should stop and why.</summary>
    public async Task<string?> RenewLeaseAsync(ClaimedStep claim, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var renewed = await connection.Command(
            "UPDATE automation_steps SET lease_expires_at = @expires WHERE run_id = @RunId AND name = @Name AND lease_token = @LeaseToken AND state = 'running'")
            .With("expires", now + lease).With("RunId", claim.Run.Id).With("Name", claim.Step.Name).With("LeaseToken", claim.LeaseToken)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        if (renewed == 0)
        {
            return null;
        }

        var stop = await connection.Command("SELECT cancel_requested, cancel_reason FROM automation_runs WHERE id = @id").With("id", claim.Run.Id)
            .QuerySingleAsync(ReadStopRequest, cancellationToken).ConfigureAwait(false);
        return stop.CancelRequested ? stop.CancelReason ?? CancelReasons.Cancelled : "";
    }

    public async Task SetJobIdAsync(ClaimedStep claim, string jobId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.Command("UPDATE automation_attempts SET job_id = @jobId WHERE run_id = @RunId AND step = @Name AND number = @Attempt")
            .With("jobId", jobId).With("RunId", claim.Run.Id).With("Name", claim.Step.Name).With("Attempt", claim.Attempt)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records what the clone step found: the base commit and the feature folder the phases write into.</summary>
    public async Task SetWorkspaceInfoAsync(string runId, string baseCommit, string featureDir, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.Command("UPDATE automation_runs SET base_commit = @baseCommit, feature_dir = @featureDir WHERE id = @runId")
            .With("runId", runId).With("baseCommit", baseCommit).With("featureDir", featureDir)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task SetBranchAsync(string runId, string branch, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.Command("UPDATE automation_runs SET branch = @branch WHERE id = @runId").With("runId", runId).With("branch", branch)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Finishes the claim's attempt and moves the run on: the next step becomes ready, a retry is scheduled with backoff,
    /// or the run ends. A run asked to stop while the attempt was finishing ends here instead of going on (cancelled, or failed
    /// with <paramref name="deadlineError"/> when its deadline passed). Does nothing (Applied = false) when another claim holds
    /// the step now.
    /// </summary>
    public async Task<Completion> CompleteStepAsync(
        ClaimedStep claim, StepOutcome outcome, DateTimeOffset now, int maxAttempts, Func<int, TimeSpan> backoff, string deadlineError,
        CancellationToken cancellationToken)
    {
        var runId = claim.Run.Id;
        var name = claim.Step.Name;
        return await InTransactionAsync(async (connection, transaction) =>
        {
            var step = await connection.Command(
                $"SELECT {StepColumns} FROM automation_steps WHERE run_id = @runId AND name = @name AND lease_token = @LeaseToken AND state = 'running'",
                transaction)
                .With("runId", runId).With("name", name).With("LeaseToken", claim.LeaseToken)
                .QuerySingleOrDefaultAsync(ReadStep, cancellationToken).ConfigureAwait(false);
            if (step is null)
            {
                return new Completion(false, "", null);
            }

            // A stop request that landed after the heartbeat's last look: workers skip the ready steps of a run asked to stop
            // and the deadline sweep skips the run, so a step readied or retried now would leave the run running for good.
            var stop = await connection.Command("SELECT cancel_requested, cancel_reason FROM automation_runs WHERE id = @runId", transaction).With("runId", runId)
                .QuerySingleAsync(ReadStopRequest, cancellationToken).ConfigureAwait(false);
            var stopReason = stop.CancelRequested ? stop.CancelReason ?? CancelReasons.Cancelled : null;

            // The errors the API's cancel and the deadline sweep end a run with when no step is executing.
            var stopError = stopReason == CancelReasons.Timeout ? deadlineError : "cancelled";

            var (attemptState, error) = outcome switch
            {
                StepOutcome.Succeeded => (AttemptStates.Succeeded, (string?)null),
                StepOutcome.Failed failed => (failed.AttemptState, failed.Error),
                StepOutcome.Stopped stopped => (stopped.Reason == CancelReasons.Timeout ? AttemptStates.TimedOut : AttemptStates.Cancelled, stopped.Error),
                _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
            };
            await connection.Command(
                """
                UPDATE automation_attempts SET state = @attemptState, error = @error, exit_code = @ExitCode, finished_at = @now,
                       job_started_at = @JobStartedAt, job_finished_at = @JobFinishedAt
                WHERE run_id = @runId AND step = @name AND number = @attempt
                """,
                transaction)
                .With("attemptState", attemptState).With("error", error).With("ExitCode", outcome.ExitCode).With("now", now)
                .With("JobStartedAt", outcome.JobStartedAt).With("JobFinishedAt", outcome.JobFinishedAt)
                .With("runId", runId).With("name", name).With("attempt", claim.Attempt)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);

            switch (outcome)
            {
                case StepOutcome.Succeeded:
                {
                    await FinishStepAsync(connection, transaction, runId, name, StepStates.Succeeded, null, now, cancellationToken).ConfigureAwait(false);
                    await InsertEventAsync(connection, transaction, runId, now, EventKinds.State, name, claim.Attempt, $"Step {name} succeeded", cancellationToken).ConfigureAwait(false);
                    if (await ReadyNextStepAsync(connection, transaction, runId, step.Ordinal, now, cancellationToken).ConfigureAwait(false))
                    {
                        return stopReason is null
                            ? new Completion(true, RunStates.Running, null)
                            : await EndStoppedRunAsync(connection, transaction, runId, stopReason, stopError, now, cancellationToken).ConfigureAwait(false);
                    }

                    await FinishRunAsync(connection, transaction, runId, RunStates.Succeeded, null, now, cancellationToken).ConfigureAwait(false);
                    return new Completion(true, RunStates.Succeeded, null);
                }

                case StepOutcome.Failed failed when failed.Retryable && step.Attempts - step.BudgetStart < maxAttempts && stopReason is not null:
                {
                    await InsertEventAsync(connection, transaction, runId, now, EventKinds.State, name, claim.Attempt,
                        $"Attempt {claim.Attempt} of {name} failed: {failed.Error}; not retried, the run was asked to stop", cancellationToken).ConfigureAwait(false);
                    await FinishStepAsync(connection, transaction, runId, name, StopStates(stopReason).StepState, stopError, now, cancellationToken).ConfigureAwait(false);
                    return await EndStoppedRunAsync(connection, transaction, runId, stopReason, stopError, now, cancellationToken).ConfigureAwait(false);
                }

                case StepOutcome.Failed failed when failed.Retryable && step.Attempts - step.BudgetStart < maxAttempts:
                {
                    var delay = backoff(step.Attempts - step.BudgetStart);
                    await connection.Command(
                        "UPDATE automation_steps SET state = 'ready', not_before = @notBefore, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, error = @error WHERE run_id = @runId AND name = @name",
                        transaction)
                        .With("notBefore", now + delay).With("error", failed.Error).With("runId", runId).With("name", name)
                        .ExecuteAsync(cancellationToken).ConfigureAwait(false);
                    await InsertEventAsync(connection, transaction, runId, now, EventKinds.State, name, claim.Attempt,
                        $"Attempt {claim.Attempt} of {name} failed: {failed.Error}; retrying in {delay.TotalSeconds:0.#} s", cancellationToken).ConfigureAwait(false);
                    return new Completion(true, RunStates.Running, delay);
                }

                case StepOutcome.Failed failed:
                {
                    await FinishStepAsync(connection, transaction, runId, name, StepStates.Failed, failed.Error, now, cancellationToken).ConfigureAwait(false);
                    var runError = $"{name} failed: {failed.Error}";
                    await InsertEventAsync(connection, transaction, runId, now, EventKinds.State, name, claim.Attempt, $"Step {runError}", cancellationToken).ConfigureAwait(false);
                    await FinishRunAsync(connection, transaction, runId, RunStates.Failed, runError, now, cancellationToken).ConfigureAwait(false);
                    return new Completion(true, RunStates.Failed, null);
                }

                case StepOutcome.Stopped stopped:
                {
                    var (runState, stepState) = StopStates(stopped.Reason);
                    await FinishStepAsync(connection, transaction, runId, name, stepState, stopped.Error, now, cancellationToken).ConfigureAwait(false);
                    await InsertEventAsync(connection, transaction, runId, now, EventKinds.State, name, claim.Attempt, $"Step {name} stopped: {stopped.Error}", cancellationToken).ConfigureAwait(false);
                    await FinishRunAsync(connection, transaction, runId, runState, stopped.Error, now, cancellationToken).ConfigureAwait(false);
                    return new Completion(true, runState, null);
                }

                default:
                    throw new ArgumentOutOfRangeException(nameof(outcome));
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks a run to stop. A run with no step executing stops here and now; otherwise the instance running the step sees the
    /// request at its next lease renewal, stops the job and finishes the run. Returns whether the run stopped here and now.
    /// </summary>
    public async Task<bool> RequestStopAsync(string runId, string reason, string error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(async (connection, transaction) =>
        {
            var state = await connection.Command("SELECT state FROM automation_runs WHERE id = @runId", transaction).With("runId", runId)
                .ScalarAsync<string>(cancellationToken).ConfigureAwait(false);
            if (state is null || RunStates.IsFinal(state))
            {
                return false;
            }

            await connection.Command("UPDATE automation_runs SET cancel_requested = @True, cancel_reason = @reason, updated_at = @now WHERE id = @runId", transaction)
                .With("True", true).With("reason", reason).With("now", now).With("runId", runId)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            await StopReadyStepsAsync(connection, transaction, runId, reason, error, now, cancellationToken).ConfigureAwait(false);
            await InsertEventAsync(connection, transaction, runId, now, EventKinds.State, null, null, reason == CancelReasons.Timeout ? error : "Cancellation requested", cancellationToken).ConfigureAwait(false);
            var executing = await connection.Command("SELECT COUNT(*) FROM automation_steps WHERE run_id = @runId AND state = 'running'", transaction).With("runId", runId)
                .ScalarAsync<long>(cancellationToken).ConfigureAwait(false);
            if (executing > 0)
            {
                return false;
            }

            await FinishRunAsync(connection, transaction, runId, StopStates(reason).RunState, error, now, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Running runs past their deadline that nobody has asked to stop yet.</summary>
    public async Task<IReadOnlyList<string>> ListOverdueRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command("SELECT id FROM automation_runs WHERE state = 'running' AND deadline_at < @now AND cancel_requested = @False")
            .With("now", now).With("False", false)
            .QueryAsync(row => row.Text(0), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts a finished run back in the queue from <paramref name="fromStep"/>: that step and the later ones (not skipped) start
    /// over with a fresh retry budget; earlier results stay. Each rerun is numbered (the published branch gets <c>-r&lt;n&gt;</c>).
    /// Returns false, changing nothing, when the run is not finished (any more): two retries that race queue it once.
    /// </summary>
    public async Task<bool> RequeueAsync(string runId, string fromStep, DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(async (connection, transaction) =>
        {
            var requeued = await connection.Command(
                """
                UPDATE automation_runs SET state = 'queued', error = NULL, rerun = rerun + 1, cancel_requested = @False, cancel_reason = NULL,
                       finished_at = NULL, deadline_at = NULL, updated_at = @now
                WHERE id = @runId AND state IN ('succeeded', 'failed', 'cancelled')
                """,
                transaction)
                .With("runId", runId).With("now", now).With("False", false)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            if (requeued == 0)
            {
                return false;
            }

            var ordinal = Steps.All.ToList().IndexOf(fromStep);
            await connection.Command(
                """
                UPDATE automation_steps SET state = 'pending', budget_start = attempts, not_before = NULL, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                       started_at = NULL, finished_at = NULL, error = NULL
                WHERE run_id = @runId AND ordinal >= @ordinal AND state <> 'skipped'
                """,
                transaction)
                .With("runId", runId).With("ordinal", ordinal)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            await InsertEventAsync(connection, transaction, runId, now, EventKinds.State, fromStep, null, $"Run queued again from {fromStep}", cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The (run, step, attempt) of every attempt still marked running: their jobs are not orphans.</summary>
    public async Task<IReadOnlySet<(string RunId, string Step, int Attempt)>> ListLiveAttemptsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.Command(
            """
            SELECT a.run_id, a.step, a.number FROM automation_attempts a
            JOIN automation_steps s ON s.run_id = a.run_id AND s.name = a.step AND s.attempts = a.number AND s.state = 'running'
            WHERE a.state = 'running'
            """)
            .QueryAsync(row => (RunId: row.Text(0), Step: row.Text(1), Attempt: row.Int32(2)), cancellationToken).ConfigureAwait(false);
        return rows.ToHashSet();
    }

    public async Task<long> CountQueueDepthAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command(
            "SELECT (SELECT COUNT(*) FROM automation_runs WHERE state = 'queued') + (SELECT COUNT(*) FROM automation_steps WHERE state = 'ready')")
            .ScalarAsync<long>(cancellationToken).ConfigureAwait(false);
    }

    public async Task AddEventsAsync(IReadOnlyList<EventRow> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        await InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var e in events)
            {
                await InsertEventAsync(connection, transaction, e.RunId, e.At, e.Kind, e.Step, e.Attempt, e.Message, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EventRow>> GetEventsAsync(string runId, long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command(
            "SELECT id AS Id, run_id AS RunId, at AS At, kind AS Kind, step AS Step, attempt AS Attempt, message AS Message FROM automation_events WHERE run_id = @runId AND id > @afterId ORDER BY id LIMIT @limit")
            .With("runId", runId).With("afterId", afterId).With("limit", limit)
            .QueryAsync(ReadEvent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores (or replaces) an artifact with its size and sha256.</summary>
    public async Task PutArtifactAsync(string runId, string? step, string name, string contentType, byte[] content, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        await InTransactionAsync(async (connection, transaction) =>
        {
            await connection.Command("DELETE FROM automation_artifacts WHERE run_id = @runId AND name = @name", transaction).With("runId", runId).With("name", name)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            return await connection.Command(
                """
                INSERT INTO automation_artifacts (run_id, step, name, content_type, size, sha256, content, created_at, expires_at)
                VALUES (@runId, @step, @name, @contentType, @size, @sha, @content, @now, @expiresAt)
                """,
                transaction)
                .With("runId", runId).With("step", step).With("name", name).With("contentType", contentType).With("size", (long)content.Length)
                .With("sha", sha).With("content", content).With("now", now).With("expiresAt", expiresAt)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ArtifactRow>> ListArtifactsAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command($"SELECT {ArtifactColumns} FROM automation_artifacts WHERE run_id = @runId ORDER BY id").With("runId", runId)
            .QueryAsync(ReadArtifact, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(ArtifactRow Artifact, byte[] Content)?> GetArtifactAsync(string runId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var artifact = await connection.Command($"SELECT {ArtifactColumns} FROM automation_artifacts WHERE run_id = @runId AND name = @name")
            .With("runId", runId).With("name", name)
            .QuerySingleOrDefaultAsync(ReadArtifact, cancellationToken).ConfigureAwait(false);
        if (artifact is null)
        {
            return null;
        }

        var content = await connection.Command("SELECT content FROM automation_artifacts WHERE id = @Id").With("Id", artifact.Id)
            .ScalarAsync<byte[]>(cancellationToken).ConfigureAwait(false);
        return (artifact, content ?? []);
    }

    /// <summary>
    /// Deletes artifacts past their retention, and job log lines older than <paramref name="logsBefore"/> (the log artifacts
    /// keep them for as long); state events stay as the run's history. Returns how many artifacts went.
    /// </summary>
    public async Task<int> PurgeArtifactsAsync(DateTimeOffset now, DateTimeOffset logsBefore, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.Command("DELETE FROM automation_events WHERE kind IN ('stdout', 'stderr') AND at < @logsBefore").With("logsBefore", logsBefore)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command("DELETE FROM automation_artifacts WHERE expires_at <= @now").With("now", now)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs that finished before <paramref name="cutoff"/>, among <paramref name="ids"/>: their workspaces may go.</summary>
    public async Task<IReadOnlyList<string>> ListFinishedBeforeAsync(IReadOnlyList<string> ids, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var finished = new List<string>();
        foreach (var chunk in ids.Chunk(200))
        {
            var names = string.Join(", ", chunk.Select((_, i) => $"@id{i}"));
            var query = connection.Command(
                $"SELECT id FROM automation_runs WHERE id IN ({names}) AND state IN ('succeeded', 'failed', 'cancelled') AND finished_at < @cutoff");
            for (var i = 0; i < chunk.Length; i++)
            {
                query.With($"id{i}", chunk[i]);
            }

            finished.AddRange(await query.With("cutoff", cutoff).QueryAsync(row => row.Text(0), cancellationToken).ConfigureAwait(false));
        }

        return finished;
    }

    public async Task<PullRequestRow?> GetPullRequestAsync(string runId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command($"SELECT {PullRequestColumns} FROM automation_pull_requests WHERE run_id = @runId").With("runId", runId)
            .QuerySingleOrDefaultAsync(ReadPullRequest, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PullRequestRow>> ListPullRequestsAsync(string? state, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var query = state is null
            ? connection.Command($"SELECT {PullRequestColumns} FROM automation_pull_requests ORDER BY id DESC LIMIT @limit")
            : connection.Command($"SELECT {PullRequestColumns} FROM automation_pull_requests WHERE state = @state ORDER BY id DESC LIMIT @limit").With("state", state);
        return await query.With("limit", limit).QueryAsync(ReadPullRequest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the run's pull request record, or updates it in place: a run has one pull request however often it publishes.
    /// One that has no number yet (a local one) takes its row id as number and <paramref name="linkIfUnnumbered"/> as link.
    /// </summary>
    public async Task<PullRequestRow> UpsertPullRequestAsync(PullRequestRow pr, DateTimeOffset now, string? linkIfUnnumbered, CancellationToken cancellationToken)
    {
        return await InTransactionAsync(async (connection, transaction) =>
        {
            var updated = await WithPullRequest(connection.Command(
                """
                UPDATE automation_pull_requests SET target = @Target, repository = @Repository, number = COALESCE(@Number, number), url = COALESCE(@Url, url),
                       base_branch = @BaseBranch, head_branch = @HeadBranch, head_commit = @HeadCommit, title = @Title, body = @Body, draft = @Draft,
                       state = @State, files = @Files, updated_at = @now
                WHERE run_id = @RunId
                """,
                transaction), pr)
                .With("now", now)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            if (updated == 0)
            {
                await WithPullRequest(connection.Command(
                    """
                    INSERT INTO automation_pull_requests (run_id, target, repository, number, url, base_branch, head_branch, head_commit, title, body, draft, state, files, created_at, updated_at)
                    VALUES (@RunId, @Target, @Repository, @Number, @Url, @BaseBranch, @HeadBranch, @HeadCommit, @Title, @Body, @Draft, @State, @Files, @now, @now)
                    """,
                    transaction), pr)
                    .With("now", now)
                    .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            }

            if (linkIfUnnumbered is not null)
            {
                await connection.Command("UPDATE automation_pull_requests SET number = id, url = @linkIfUnnumbered WHERE run_id = @RunId AND number IS NULL", transaction)
                    .With("linkIfUnnumbered", linkIfUnnumbered).With("RunId", pr.RunId)
                    .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            }

            return await connection.Command($"SELECT {PullRequestColumns} FROM automation_pull_requests WHERE run_id = @RunId", transaction).With("RunId", pr.RunId)
                .QuerySingleAsync(ReadPullRequest, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    internal static string EncodeCursor(DateTimeOffset createdAt, string id) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{createdAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{id}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static (DateTimeOffset CreatedAt, string Id) DecodeCursor(string cursor)
    {
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(padded));
            var parts = text.Split('|', 2);
            return (new DateTimeOffset(long.Parse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture), TimeSpan.Zero), parts[1]);
        }
        catch (Exception ex) when (ex is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            throw new AutomationRequestException("automation.invalid_cursor", "The cursor is not one this API returned; start again without it.");
        }
    }

    /// <summary>Makes the first pending step after <paramref name="afterOrdinal"/> ready to claim now; false when none is left.</summary>
    private static async Task<bool> ReadyNextStepAsync(DbConnection connection, DbTransaction transaction, string runId, int afterOrdinal, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var next = await connection.Command(
            "SELECT name FROM automation_steps WHERE run_id = @runId AND ordinal > @afterOrdinal AND state = 'pending' ORDER BY ordinal LIMIT 1",
            transaction)
            .With("runId", runId).With("afterOrdinal", afterOrdinal)
            .ScalarAsync<string>(cancellationToken).ConfigureAwait(false);
        if (next is null)
        {
            return false;
        }

        await connection.Command("UPDATE automation_steps SET state = 'ready', not_before = @now WHERE run_id = @runId AND name = @next", transaction)
            .With("runId", runId).With("next", next).With("now", now)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);

        // SQLite: take the write lock up front, so two writers never deadlock upgrading read locks.
        await using var transaction = connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var result = await work(connection, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static Task<RunRow?> GetRunAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken cancellationToken) =>
        connection.Command($"SELECT {RunColumns} FROM automation_runs WHERE id = @id", transaction).With("id", id).QuerySingleOrDefaultAsync(ReadRun, cancellationToken);

    private static Task FinishStepAsync(DbConnection connection, DbTransaction transaction, string runId, string name, string state, string? error, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.Command(
            "UPDATE automation_steps SET state = @state, error = @error, finished_at = @now, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, not_before = NULL WHERE run_id = @runId AND name = @name",
            transaction)
            .With("state", state).With("error", error).With("now", now).With("runId", runId).With("name", name)
            .ExecuteAsync(cancellationToken);

    /// <summary>How a stop for <paramref name="reason"/> ends the run, and a step that has not run to its end.</summary>
    private static (string RunState, string StepState) StopStates(string reason) =>
        reason == CancelReasons.Timeout ? (RunStates.Failed, StepStates.Failed) : (RunStates.Cancelled, StepStates.Cancelled);

    private static Task StopReadyStepsAsync(DbConnection connection, DbTransaction transaction, string runId, string reason, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.Command(
            "UPDATE automation_steps SET state = @stepState, finished_at = @now, error = @error, not_before = NULL WHERE run_id = @runId AND state = 'ready'",
            transaction)
            .With("stepState", StopStates(reason).StepState).With("now", now).With("error", error).With("runId", runId)
            .ExecuteAsync(cancellationToken);

    /// <summary>
    /// Ends a run whose stop request came while its executing step was finishing, as the request itself would have ended it
    /// with no step executing: ready steps stop, the run ends with the error the API's cancel or the deadline sweep gives.
    /// </summary>
    private static async Task<Completion> EndStoppedRunAsync(
        DbConnection connection, DbTransaction transaction, string runId, string reason, string error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var runState = StopStates(reason).RunState;
        await StopReadyStepsAsync(connection, transaction, runId, reason, error, now, cancellationToken).ConfigureAwait(false);
        await FinishRunAsync(connection, transaction, runId, runState, error, now, cancellationToken).ConfigureAwait(false);
        return new Completion(true, runState, null);
    }

    private static async Task FinishRunAsync(DbConnection connection, DbTransaction transaction, string runId, string state, string? error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await connection.Command("UPDATE automation_runs SET state = @state, error = @error, finished_at = @now, updated_at = @now WHERE id = @runId", transaction)
            .With("state", state).With("error", error).With("now", now).With("runId", runId)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        await InsertEventAsync(connection, transaction, runId, now, EventKinds.State, null, null, $"Run {state}" + (error is null ? "" : $": {error}"), cancellationToken).ConfigureAwait(false);
    }

    private static Task InsertEventAsync(DbConnection connection, DbTransaction transaction, string runId, DateTimeOffset at, string kind, string? step, int? attempt, string message, CancellationToken cancellationToken) =>
        connection.Command("INSERT INTO automation_events (run_id, at, kind, step, attempt, message) VALUES (@runId, @at, @kind, @step, @attempt, @message)", transaction)
            .With("runId", runId).With("at", at).With("kind", kind).With("step", step).With("attempt", attempt).With("message", message)
            .ExecuteAsync(cancellationToken);

    private static RunRow ReadRun(DbDataReader row) => new()
    {
        Id = row.Text("Id"),
        Repository = row.Text("Repository"),
        BaseBranch = row.Text("BaseBranch"),
        Description = row.Text("Description"),
        Agent = row.Text("Agent"),
        Phases = row.Text("Phases"),
        DryRun = row.Boolean("DryRun"),
        IdempotencyKey = row.TextOrNull("IdempotencyKey"),
        RequestHash = row.Text("RequestHash"),
        State = row.Text("State"),
        Error = row.TextOrNull("Error"),
        Rerun = row.Int32("Rerun"),
        CancelRequested = row.Boolean("CancelRequested"),
        CancelReason = row.TextOrNull("CancelReason"),
        BaseCommit = row.TextOrNull("BaseCommit"),
        FeatureDir = row.TextOrNull("FeatureDir"),
        Branch = row.TextOrNull("Branch"),
        CreatedAt = row.Timestamp("CreatedAt"),
        StartedAt = row.TimestampOrNull("StartedAt"),
        FinishedAt = row.TimestampOrNull("FinishedAt"),
        DeadlineAt = row.TimestampOrNull("DeadlineAt"),
        UpdatedAt = row.Timestamp("UpdatedAt"),
    };

    private static StepRow ReadStep(DbDataReader row) => new()
    {
        RunId = row.Text("RunId"),
        Name = row.Text("Name"),
        Ordinal = row.Int32("Ordinal"),
        State = row.Text("State"),
        Attempts = row.Int32("Attempts"),
        BudgetStart = row.Int32("BudgetStart"),
        NotBefore = row.TimestampOrNull("NotBefore"),
        LeaseOwner = row.TextOrNull("LeaseOwner"),
        LeaseExpiresAt = row.TimestampOrNull("LeaseExpiresAt"),
        StartedAt = row.TimestampOrNull("StartedAt"),
        FinishedAt = row.TimestampOrNull("FinishedAt"),
        Error = row.TextOrNull("Error"),
    };

    private static AttemptRow ReadAttempt(DbDataReader row) => new()
    {
        Id = row.Int64("Id"),
        RunId = row.Text("RunId"),
        Step = row.Text("Step"),
        Number = row.Int32("Number"),
        State = row.Text("State"),
        Instance = row.Text("Instance"),
        JobId = row.TextOrNull("JobId"),
        ExitCode = row.Int32OrNull("ExitCode"),
        Error = row.TextOrNull("Error"),
        StartedAt = row.Timestamp("StartedAt"),
        FinishedAt = row.TimestampOrNull("FinishedAt"),
        JobStartedAt = row.TimestampOrNull("JobStartedAt"),
        JobFinishedAt = row.TimestampOrNull("JobFinishedAt"),
    };

    private static EventRow ReadEvent(DbDataReader row) => new()
    {
        Id = row.Int64("Id"),
        RunId = row.Text("RunId"),
        At = row.Timestamp("At"),
        Kind = row.Text("Kind"),
        Step = row.TextOrNull("Step"),
        Attempt = row.Int32OrNull("Attempt"),
        Message = row.Text("Message"),
    };

    private static ArtifactRow ReadArtifact(DbDataReader row) => new()
    {
        Id = row.Int64("Id"),
        RunId = row.Text("RunId"),
        Step = row.TextOrNull("Step"),
        Name = row.Text("Name"),
        ContentType = row.Text("ContentType"),
        Size = row.Int64("Size"),
        Sha256 = row.Text("Sha256"),
        CreatedAt = row.Timestamp("CreatedAt"),
        ExpiresAt = row.Timestamp("ExpiresAt"),
    };

    private static PullRequestRow ReadPullRequest(DbDataReader row) => new()
    {
        Id = row.Int64("Id"),
        RunId = row.Text("RunId"),
        Target = row.Text("Target"),
        Repository = row.Text("Repository"),
        Number = row.Int64OrNull("Number"),
        Url = row.TextOrNull("Url"),
        BaseBranch = row.Text("BaseBranch"),
        HeadBranch = row.Text("HeadBranch"),
        HeadCommit = row.Text("HeadCommit"),
        Title = row.Text("Title"),
        Body = row.Text("Body"),
        Draft = row.Boolean("Draft"),
        State = row.Text("State"),
        Files = row.Text("Files"),
        CreatedAt = row.Timestamp("CreatedAt"),
        UpdatedAt = row.Timestamp("UpdatedAt"),
    };

    /// <summary>The pull request's fields under the names the upsert's statements give them.</summary>
    private static DbCommand WithPullRequest(DbCommand command, PullRequestRow pr) => command
        .With("RunId", pr.RunId).With("Target", pr.Target).With("Repository", pr.Repository).With("Number", pr.Number).With("Url", pr.Url)
        .With("BaseBranch", pr.BaseBranch).With("HeadBranch", pr.HeadBranch).With("HeadCommit", pr.HeadCommit).With("Title", pr.Title)
        .With("Body", pr.Body).With("Draft", pr.Draft).With("State", pr.State).With("Files", pr.Files);

    /// <summary>Reads <c>cancel_requested, cancel_reason</c>.</summary>
    private static (bool CancelRequested, string? CancelReason) ReadStopRequest(DbDataReader row) => (row.Boolean(0), row.TextOrNull(1));
}
