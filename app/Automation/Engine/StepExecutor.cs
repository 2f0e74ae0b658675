using System.Globalization;
using LibGit2Sharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using Microsoft.Extensions.Options;
using SpecEditor.Automation.Agents;
using SpecEditor.Automation.Publishing;
using SpecEditor.Automation.Runners;
using SpecEditor.Automation.Store;
using SpecEditor.Hosting;

namespace SpecEditor.Automation.Engine;

/// <summary>
/// Executes one leased step. While it works, a heartbeat renews the lease and watches for a stop request (cancel, run
/// deadline). The step's own timeout and a stop both stop the job; losing the lease or the app shutting down leave the
/// job running for whichever instance takes the step over, which adopts it.
/// </summary>
public sealed partial class StepExecutor(
    RunStore store,
    AutomationService service,
    AgentCatalog agents,
    SecretProvider secrets,
    SecretRedactor redactor,
    RepositoryTargets targets,
    Workspace workspace,
    IJobRunner runner,
    LocalPublisher localPublisher,
    GitHubPublisher gitHubPublisher,
    RunNotifier notifier,
    AutomationMetrics metrics,
    AutomationInstance instance,
    IOptions<AutomationSettings> options,
    TimeProvider clock,
    ILogger<StepExecutor> logger)
{
    private readonly AutomationSettings _settings = options.Value;
    private readonly (string User, bool Differs) _jobUser = JobUser.Resolve(options.Value.JobUser);

    public async Task ExecuteAsync(ClaimedStep claim, CancellationToken appStopping)
    {
        var run = claim.Run;
        var started = clock.GetUtcNow();
        var context = new StepContext();
        using var timeout = new CancellationTokenSource();
        using var work = CancellationTokenSource.CreateLinkedTokenSource(appStopping, timeout.Token);
        var remaining = run.DeadlineAt is { } deadline ? deadline - started : _settings.RunTimeout;
        var stepTimeout = _settings.StepTimeout < remaining ? _settings.StepTimeout : remaining;
        var deadlineBound = stepTimeout == remaining;
        if (run.CancelRequested || stepTimeout <= TimeSpan.Zero)
        {
            context.StopReason = run.CancelReason ?? (run.CancelRequested ? CancelReasons.Cancelled : CancelReasons.Timeout);
        }
        else
        {
            timeout.CancelAfter(stepTimeout);
        }

        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(claim, context, work, heartbeatStop.Token);
        var log = new AttemptLog(claim, store, redactor, notifier, clock, _settings.MaxLogByteCount);
        StepOutcome? outcome;
        try
        {
            if (context.StopReason is { } early)
            {
                // Taken over from a crashed instance after the run was asked to stop: its job may still run.
                if (claim.TakenOver && Steps.IsPhase(claim.Step.Name)
                    && await runner.FindAsync(new JobKey(run.Id, claim.Step.Name, claim.Attempt), CancellationToken.None).ConfigureAwait(false) is { } leftover)
                {
                    await runner.RemoveAsync(leftover.Id, CancellationToken.None).ConfigureAwait(false);
                }

                outcome = Stopped(early);
            }
            else
            {
                outcome = await RunBodyAsync(claim, context, log, work.Token, appStopping).ConfigureAwait(false);
            }
        }
        catch (Exception) when (work.IsCancellationRequested)
        {
            // Whatever the job runner threw while being cancelled, the reason is ours: stop, timeout, lease or shutdown.
            outcome = appStopping.IsCancellationRequested || context.LeaseLost
                ? null
                : context.StopReason is { } reason
                    ? Stopped(reason)
                    : deadlineBound
                        ? Stopped(CancelReasons.Timeout)
                        : new StepOutcome.Failed($"timed out after {stepTimeout.TotalSeconds:0.#} s (AUTOMATION_STEP_TIMEOUT_SECONDS); the job was stopped", Retryable: true, AttemptStates.TimedOut);
        }
        catch (PermanentStepException ex)
        {
            outcome = new StepOutcome.Failed(redactor.Redact(ex.Message), Retryable: false);
        }
        catch (TransientStepException ex)
        {
            outcome = new StepOutcome.Failed(redactor.Redact(ex.Message), Retryable: true);
        }
        catch (OperationCanceledException ex)
        {
            // Not a cancellation of ours (those are caught above): a client's own timeout, such as an HttpClient's towards
            // Docker, Kubernetes or GitHub. A failure to retry; escaping here would leave the step running until its lease ran
            // out, then taken over again without counting an attempt.
            outcome = new StepOutcome.Failed($"a call gave up: {redactor.Redact(ex.Message)}", Retryable: true);
        }
        catch (Exception ex)
        {
            // As text, masked: an exception's message or data can carry a secret, and log sinks keep what they are given.
            LogStepError(logger, run.Id, claim.Step.Name, redactor.Redact(ex.ToString()));
            outcome = new StepOutcome.Failed($"unexpected error: {redactor.Redact(ex.Message)}", Retryable: true);
        }
        finally
        {
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            await log.DisposeAsync().ConfigureAwait(false);
        }

        if (outcome is null)
        {
            // Shutting down or lost the lease: the job keeps running, and whoever holds the step next adopts it.
            if (!context.LeaseLost)
            {
                await ReleaseLeaseAsync(claim).ConfigureAwait(false);
            }

            LogAbandoned(logger, run.Id, claim.Step.Name, claim.Attempt, context.LeaseLost ? "lost its lease" : "the app is stopping");
            return;
        }

        outcome = outcome with { JobStartedAt = context.JobStartedAt, JobFinishedAt = context.JobFinishedAt, ExitCode = context.ExitCode };
        var completion = await store.CompleteStepAsync(
            claim, outcome, clock.GetUtcNow(), _settings.MaxAttemptCount,
            failed => Backoff.Delay(failed, _settings.RetryBase, _settings.RetryMax, Random.Shared), _settings.RunDeadlineError, CancellationToken.None).ConfigureAwait(false);
        metrics.StepDuration.Record((clock.GetUtcNow() - started).TotalSeconds, new("step", claim.Step.Name), new("outcome", OutcomeName(outcome)));
        if (!completion.Applied)
        {
            LogAbandoned(logger, run.Id, claim.Step.Name, claim.Attempt, "another claim holds the step now");
            return;
        }

        if (completion.RetryIn is not null)
        {
            metrics.Retries.Add(1, new KeyValuePair<string, object?>("step", claim.Step.Name));
        }

        if (RunStates.IsFinal(completion.RunState))
        {
            await service.FinalizeAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
        }

        notifier.EventsAdded(run.Id);
        notifier.WorkAvailable();
    }

    private Task<StepOutcome> RunBodyAsync(ClaimedStep claim, StepContext context, AttemptLog log, CancellationToken cancellationToken, CancellationToken appStopping) => claim.Step.Name switch
    {
        Steps.Clone => CloneAsync(claim, log, cancellationToken),
        Steps.Publish => PublishAsync(claim, log, cancellationToken),
        _ => PhaseAsync(claim, context, log, cancellationToken, appStopping),
    };

    private async Task<StepOutcome> CloneAsync(ClaimedStep claim, AttemptLog log, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        if (claim.TakenOver)
        {
            return Interrupted();
        }

        var target = ResolveTarget(run);
        var (baseCommit, featureDir) = await workspace.CloneAsync(
            run.Id, target.CloneUrl, run.BaseBranch, run.Description, target.Credentials, openToJobUser: _jobUser.Differs, cancellationToken).ConfigureAwait(false);
        await store.SetWorkspaceInfoAsync(run.Id, baseCommit, featureDir, cancellationToken).ConfigureAwait(false);
        await log.NoteAsync($"Cloned {run.Repository}@{run.BaseBranch} at {baseCommit[..12]}; the phases write into {featureDir}").ConfigureAwait(false);
        return new StepOutcome.Succeeded();
    }

    private async Task<StepOutcome> PhaseAsync(ClaimedStep claim, StepContext context, AttemptLog log, CancellationToken cancellationToken, CancellationToken appStopping)
    {
        var run = claim.Run;
        var agent = agents.Find(run.Agent) ?? throw new PermanentStepException($"the agent '{run.Agent}' is no longer configured");
        if (secrets.MissingError(agent) is { } missing)
        {
            throw new PermanentStepException(missing);
        }

        if (run.FeatureDir is null || !workspace.Exists(run.Id))
        {
            throw new PermanentStepException("the run's workspace is gone; retry the run from clone");
        }

        var key = new JobKey(run.Id, claim.Step.Name, claim.Attempt);
        string jobId;
        if (claim.TakenOver)
        {
            var existing = await runner.FindAsync(key, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                return Interrupted();
            }

            jobId = existing.Id;
            await log.NoteAsync($"Adopted job {Short(jobId)} ({(existing.Running ? "still running" : "already exited")}) left by {claim.PreviousInstance}").ConfigureAwait(false);
        }
        else
        {
            var environment = new Dictionary<string, string>(agent.Environment ?? new Dictionary<string, string>(), StringComparer.Ordinal)
            {
                ["HOME"] = "/tmp",
                ["SPECKIT_PHASE"] = claim.Step.Name,
                ["SPECKIT_FEATURE_DIR"] = run.FeatureDir,
                ["SPECIFY_FEATURE"] = run.FeatureDir[(run.FeatureDir.LastIndexOf('/') + 1)..],
                ["SPECKIT_DESCRIPTION"] = run.Description,
                ["SPECKIT_PROMPT"] = AgentDefinition.Prompt(claim.Step.Name, run.FeatureDir, run.Description),
                ["SPECKIT_RUN_ID"] = run.Id,
                ["SPECKIT_ATTEMPT"] = claim.Attempt.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var (name, value) in secrets.Resolve(agent.Secrets))
            {
                environment[name] = value;
            }

            var spec = new JobSpec(
                key, instance.Id, agent.Image, agent.RenderCommand(claim.Step.Name, run.FeatureDir, run.Description), environment,
                workspace.PathOf(run.Id), _jobUser.User, agent.MemoryMb * 1024 * 1024, agent.Cpus, agent.Pids, _settings.JobNetwork, agent.Secrets);
            jobId = await runner.StartAsync(spec, cancellationToken).ConfigureAwait(false);
            await store.SetJobIdAsync(claim, jobId, CancellationToken.None).ConfigureAwait(false);
            await log.NoteAsync($"Started {runner.Kind} job {Short(jobId)} from {agent.Image} as {_jobUser.User}").ConfigureAwait(false);
        }

        JobResult result;
        try
        {
            result = await runner.WaitAsync(jobId, log.AppendAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            var abandoning = context.LeaseLost || appStopping.IsCancellationRequested;
            if (!abandoning)
            {
                await runner.RemoveAsync(jobId, CancellationToken.None).ConfigureAwait(false);
                await SaveLogsAsync(claim, log).ConfigureAwait(false);
            }
        }

        context.ExitCode = result.ExitCode;
        context.JobStartedAt = result.StartedAt;
        context.JobFinishedAt = result.FinishedAt;
        if (result.ExitCode != 0)
        {
            var detail = result.Problem ?? log.LastErrorLine;
            return new StepOutcome.Failed($"the agent exited with code {result.ExitCode}{(detail is null ? "" : $" ({detail})")}", Retryable: true);
        }

        var expected = $"{run.FeatureDir}/{Steps.ExpectedFile(claim.Step.Name)}";
        if (!workspace.HasFile(run.Id, expected))
        {
            return new StepOutcome.Failed($"the agent exited 0 but did not write {expected}", Retryable: true);
        }

        return new StepOutcome.Succeeded();
    }

    private async Task<StepOutcome> PublishAsync(ClaimedStep claim, AttemptLog log, CancellationToken cancellationToken)
    {
        // Read at claim time, after clone stored base commit and feature folder; nothing the publish uses changes since.
        var run = claim.Run;
        if (run.BaseCommit is null || run.FeatureDir is null || !workspace.Exists(run.Id))
        {
            throw new PermanentStepException("the run's workspace is gone; retry the run from clone");
        }

        var branch = PullRequests.BranchName(run);
        var (name, email) = _settings.CommitIdentity;
        var message = $"{PullRequests.Title(run)}\n\nSpec Kit {string.Join(" → ", run.PhaseList)} by {run.Agent}, run {run.Id}.\n";
        var redacted = new List<string>();
        var commit = await Task.Run(
            () => workspace.Commit(run.Id, run.BaseCommit, branch, message, new Signature(name, email, clock.GetUtcNow()), redacted.Add),
            cancellationToken).ConfigureAwait(false);
        foreach (var path in redacted)
        {
            await log.NoteAsync($"Masked a secret value in {path} before committing it").ConfigureAwait(false);
        }

        await store.SetBranchAsync(run.Id, branch, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var expires = now + _settings.ArtifactRetention;
        await store.PutArtifactAsync(run.Id, Steps.Publish, "diff-summary.txt", "text/plain; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(commit.DiffSummary), now, expires, cancellationToken).ConfigureAwait(false);
        foreach (var (path, content) in workspace.ReadFiles(run.Id, commit.Sha, commit.Files))
        {
            await store.PutArtifactAsync(run.Id, Steps.Publish, $"files/{path}", ContentType(path), content, now, expires, cancellationToken).ConfigureAwait(false);
        }

        if (run.DryRun)
        {
            await log.NoteAsync($"Dry run: built {branch} at {commit.Sha[..12]} with {commit.Files.Count} file(s); nothing pushed, no pull request").ConfigureAwait(false);
            return new StepOutcome.Succeeded();
        }

        var target = ResolveTarget(run);
        var steps = await store.GetStepsAsync(run.Id, cancellationToken).ConfigureAwait(false);
        var body = PullRequests.Body(run, steps, commit, $"{service.PublicBaseUrl}/runs/{run.Id}");
        var existing = await store.GetPullRequestAsync(run.Id, cancellationToken).ConfigureAwait(false);
        IPublisher publisher = target is GitHubTarget ? gitHubPublisher : localPublisher;
        var pull = await publisher.PublishAsync(new PublishContext(run, target, commit, PullRequests.Title(run), body, existing), cancellationToken).ConfigureAwait(false);
        await log.NoteAsync($"{(existing is null ? "Opened" : "Updated")} draft pull request {pull.Url ?? pull.Number?.ToString(CultureInfo.InvariantCulture)} from {pull.HeadBranch} ({commit.Files.Count} file(s))").ConfigureAwait(false);
        return new StepOutcome.Succeeded();
    }

    private RepositoryTarget ResolveTarget(RunRow run)
    {
        try
        {
            return targets.Resolve(run.Repository, run.BaseBranch);
        }
        catch (AutomationRequestException ex)
        {
            throw new PermanentStepException(ex.Message, ex);
        }
    }

    private async Task SaveLogsAsync(ClaimedStep claim, AttemptLog log)
    {
        var now = clock.GetUtcNow();
        var expires = now + _settings.ArtifactRetention;
        var prefix = $"logs/{claim.Step.Name}/attempt-{claim.Attempt.ToString(CultureInfo.InvariantCulture)}";
        await store.PutArtifactAsync(claim.Run.Id, claim.Step.Name, $"{prefix}/stdout.log", "text/plain; charset=utf-8", log.Stdout, now, expires, CancellationToken.None).ConfigureAwait(false);
        await store.PutArtifactAsync(claim.Run.Id, claim.Step.Name, $"{prefix}/stderr.log", "text/plain; charset=utf-8", log.Stderr, now, expires, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Renews the lease (a third of its length, at most every 2 s) and turns a stop request into cancellation of the work.</summary>
    private async Task HeartbeatAsync(ClaimedStep claim, StepContext context, CancellationTokenSource work, CancellationToken stop)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Min(2000, _settings.Lease.TotalMilliseconds / 3));
        using var stopRequests = notifier.WatchStop(claim.Run.Id);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.WhenAny(Task.Delay(interval, stop), stopRequests.NextAsync()).ConfigureAwait(false);
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                var renewal = await store.RenewLeaseAsync(claim, clock.GetUtcNow(), _settings.Lease, stop).ConfigureAwait(false);
                if (renewal is null)
                {
                    context.LeaseLost = true;
                    await work.CancelAsync().ConfigureAwait(false);
                    return;
                }

                if (renewal.Length > 0 && context.StopReason is null)
                {
                    context.StopReason = renewal;
                    await work.CancelAsync().ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (System.Data.Common.DbException ex)
            {
                // The database may be back before the lease runs out; if not, another instance takes the step over.
                LogHeartbeatFailed(logger, ex, claim.Run.Id, claim.Step.Name);
            }
        }
    }

    private async Task ReleaseLeaseAsync(ClaimedStep claim)
    {
        try
        {
            await store.RenewLeaseAsync(claim, clock.GetUtcNow(), TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException ex)
        {
            LogHeartbeatFailed(logger, ex, claim.Run.Id, claim.Step.Name);
        }
    }

    private StepOutcome.Stopped Stopped(string reason) => reason == CancelReasons.Timeout
        ? new StepOutcome.Stopped(reason, $"{_settings.RunDeadlineError}; the job was stopped")
        : new StepOutcome.Stopped(reason, "cancelled");

    private static StepOutcome.Failed Interrupted() =>
        new("the instance running this attempt stopped and its job did not survive; trying again", Retryable: true, AttemptStates.Interrupted);

    private static string OutcomeName(StepOutcome outcome) => outcome switch
    {
        StepOutcome.Succeeded => "succeeded",
        StepOutcome.Failed failed => failed.AttemptState,
        StepOutcome.Stopped stopped => stopped.Reason,
        _ => "unknown",
    };

    private static string ContentType(string path) => Path.GetExtension(path) switch
    {
        ".md" => "text/markdown; charset=utf-8",
        ".json" => "application/json",
        ".yml" or ".yaml" => "application/yaml",
        ".txt" or ".log" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };

    private static string Short(string jobId) => jobId.Length > 12 ? jobId[..12] : jobId;

    private sealed class StepContext
    {
        public volatile bool LeaseLost;

        public string? StopReason { get; set; }

        public int? ExitCode { get; set; }

        public DateTimeOffset? JobStartedAt { get; set; }

        public DateTimeOffset? JobFinishedAt { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} step {Step} failed unexpectedly: {Error}")]
    private static partial void LogStepError(ILogger logger, string runId, string step, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} step {Step} attempt {Attempt} left to the next holder: {Reason}")]
    private static partial void LogAbandoned(ILogger logger, string runId, string step, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease renewal for run {RunId} step {Step} failed")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception, string runId, string step);
}
