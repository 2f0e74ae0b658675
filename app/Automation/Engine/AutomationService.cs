using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SpecEditor.Automation.Agents;
using SpecEditor.Automation.Publishing;
using SpecEditor.Automation.Store;
using SpecEditor.Hosting;

namespace SpecEditor.Automation.Engine;

/// <summary>The engine's use cases for the API and pages: submit, read, cancel and retry runs; read their events and artifacts.</summary>
public sealed partial class AutomationService(
    RunStore store,
    AgentCatalog agents,
    SecretProvider secrets,
    RepositoryTargets targets,
    Workspace workspace,
    RunNotifier notifier,
    AutomationMetrics metrics,
    IOptions<AutomationSettings> options,
    IOptions<HostingSettings> hosting,
    TimeProvider clock,
    ILogger<AutomationService> logger)
{
    public const int MaxIdempotencyKeyLength = 200;

    private readonly AutomationSettings _settings = options.Value;

    public IReadOnlyList<Agents.AgentDefinition> Agents => agents.All;

    /// <summary>The app's address for links in pull requests (PUBLIC_URL).</summary>
    public string PublicBaseUrl => hosting.Value.BaseUrl;

    public IReadOnlyList<string> Repositories => targets.Available;

    public IReadOnlyList<string> MissingSecrets(Agents.AgentDefinition agent) => secrets.Missing(agent.Secrets);

    /// <summary>
    /// Accepts a run (202) after checking the request. A run whose agent lacks a secret is recorded and fails at once, naming
    /// what is missing. The same idempotency key returns the first run; with a different request it is a conflict.
    /// </summary>
    public async Task<(RunResponse Run, bool Replayed)> SubmitAsync(SubmitRunRequest request, string? headerKey, CancellationToken cancellationToken)
    {
        var description = request.Description?.Trim();
        if (string.IsNullOrEmpty(description))
        {
            throw new AutomationRequestException("automation.description_required", "'description' is required: describe the feature to specify.");
        }

        if (description.Length > _settings.MaxDescriptionLength)
        {
            throw new AutomationRequestException("automation.description_too_long", $"The description has {description.Length} characters; the limit is {_settings.MaxDescriptionLength} (AUTOMATION_MAX_DESCRIPTION_CHARS).");
        }

        var agent = string.IsNullOrWhiteSpace(request.Agent) ? null : agents.Find(request.Agent);
        if (agent is null)
        {
            throw new AutomationRequestException("automation.unknown_agent", $"'{request.Agent}' is not an agent; use one of {string.Join(", ", agents.All.Select(a => a.Name))}.");
        }

        var baseBranch = string.IsNullOrWhiteSpace(request.BaseBranch) ? "main" : request.BaseBranch.Trim();
        var target = targets.Resolve(request.Repository?.Trim(), baseBranch);
        var phases = CheckPhases(request.Phases);
        var key = IdempotencyKey(request.IdempotencyKey, headerKey);
        var dryRun = request.DryRun ?? false;
        var hash = RequestHash(target.Name, baseBranch, description, agent.Name, phases, dryRun);

        if (key is not null && await store.FindByIdempotencyKeyAsync(key, cancellationToken).ConfigureAwait(false) is { } earlier)
        {
            return (await ReplayAsync(earlier, key, hash, cancellationToken).ConfigureAwait(false), true);
        }

        // Recorded already failed, in one step, so no worker can take it up in between.
        var missing = secrets.MissingError(agent);
        var now = clock.GetUtcNow();
        var run = new RunRow
        {
            Id = Guid.NewGuid().ToString("N"),
            Repository = target.Name,
            BaseBranch = baseBranch,
            Description = description,
            Agent = agent.Name,
            Phases = string.Join(',', phases),
            DryRun = dryRun,
            IdempotencyKey = key,
            RequestHash = hash,
            State = missing is null ? RunStates.Queued : RunStates.Failed,
            Error = missing,

            // Whole microseconds: PostgreSQL keeps no more, and list cursors compare the stored value.
            CreatedAt = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % 10), TimeSpan.Zero),
        };
        if (await store.TryInsertRunAsync(run, cancellationToken).ConfigureAwait(false) is null)
        {
            var raced = await store.FindByIdempotencyKeyAsync(key!, cancellationToken).ConfigureAwait(false);
            return (await ReplayAsync(raced!, key!, hash, cancellationToken).ConfigureAwait(false), true);
        }

        LogSubmitted(logger, run.Id, run.Agent, run.Repository, run.BaseBranch, run.DryRun);
        await WriteCredentialAuditAsync(run, agent, cancellationToken).ConfigureAwait(false);
        if (missing is not null)
        {
            await FinalizeAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            notifier.WorkAvailable();
        }

        return (await GetAsync(run.Id, cancellationToken).ConfigureAwait(false), false);
    }

    public async Task<RunResponse> GetAsync(string id, CancellationToken cancellationToken)
    {
        var run = await RequireAsync(id, cancellationToken).ConfigureAwait(false);
        var steps = await store.GetStepsAsync(id, cancellationToken).ConfigureAwait(false);
        var attempts = await store.GetAttemptsAsync(id, cancellationToken).ConfigureAwait(false);
        var artifacts = await store.ListArtifactsAsync(id, cancellationToken).ConfigureAwait(false);
        var pull = await store.GetPullRequestAsync(id, cancellationToken).ConfigureAwait(false);
        return ToResponse(run, pull, steps, attempts, artifacts);
    }

    /// <summary>The run's state, or a 404: one cheap read where the whole run is not needed.</summary>
    public async Task<string> GetStateAsync(string id, CancellationToken cancellationToken) =>
        await store.GetRunStateAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(id);

    public async Task<IReadOnlyList<ArtifactResponse>> ListArtifactsAsync(string id, CancellationToken cancellationToken)
    {
        await GetStateAsync(id, cancellationToken).ConfigureAwait(false);
        var artifacts = await store.ListArtifactsAsync(id, cancellationToken).ConfigureAwait(false);
        return artifacts.Select(a => ToResponse(a, Api(id))).ToArray();
    }

    public async Task<RunListResponse> ListAsync(RunFilter filter, string? cursor, int limit, CancellationToken cancellationToken)
    {
        if (filter.State is { } state && !RunStates.All.Contains(state))
        {
            throw new AutomationRequestException("automation.invalid_filter", $"state must be one of {string.Join(", ", RunStates.All)}.");
        }

        var page = await store.ListRunsAsync(filter, cursor, Math.Clamp(limit, 1, 200), cancellationToken).ConfigureAwait(false);
        return new RunListResponse(page.Runs.Select(r => ToResponse(r, null, null, null, null)).ToArray(), page.NextCursor);
    }

    /// <summary>Cancels a queued or running run: a running job is stopped by the instance executing it, within a second here or a lease renewal elsewhere.</summary>
    public async Task<RunResponse> CancelAsync(string id, CancellationToken cancellationToken)
    {
        var run = await RequireAsync(id, cancellationToken).ConfigureAwait(false);
        if (RunStates.IsFinal(run.State))
        {
            throw new RunStateException(id, run.State, "only queued or running runs can be cancelled.");
        }

        await RequestStopAsync(id, CancelReasons.Cancelled, "cancelled", cancellationToken).ConfigureAwait(false);
        return await GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops runs that passed their deadline (AUTOMATION_RUN_TIMEOUT_SECONDS), so no run stays running forever.</summary>
    public async Task<int> StopOverdueRunsAsync(CancellationToken cancellationToken)
    {
        var overdue = await store.ListOverdueRunsAsync(clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        foreach (var id in overdue)
        {
            await RequestStopAsync(id, CancelReasons.Timeout, _settings.RunDeadlineError, cancellationToken).ConfigureAwait(false);
        }

        return overdue.Count;
    }

    /// <summary>Queues a finished run again from the failed step, or from <paramref name="fromStep"/> (a rerun of succeeded work).</summary>
    public async Task<RunResponse> RetryAsync(string id, string? fromStep, CancellationToken cancellationToken)
    {
        var run = await RequireAsync(id, cancellationToken).ConfigureAwait(false);
        if (!RunStates.IsFinal(run.State))
        {
            throw new RunStateException(id, run.State, "wait for it to finish, or cancel it, before retrying.");
        }

        var steps = await store.GetStepsAsync(id, cancellationToken).ConfigureAwait(false);
        string from;
        if (string.IsNullOrWhiteSpace(fromStep))
        {
            // A run cancelled before it was admitted has only pending steps: it goes again from the first of them.
            from = (steps.FirstOrDefault(s => s.State is StepStates.Failed or StepStates.Cancelled)
                    ?? steps.FirstOrDefault(s => s.State == StepStates.Pending))?.Name
                ?? throw new RunStateException(id, run.State, "no step failed; name the step to run again from (fromStep).");
        }
        else
        {
            from = fromStep.Trim();
            var step = steps.FirstOrDefault(s => s.Name == from)
                ?? throw new AutomationRequestException("automation.invalid_step", $"'{from}' is not a step; use one of {string.Join(", ", Steps.All)}.");
            if (step.State == StepStates.Skipped)
            {
                throw new AutomationRequestException("automation.invalid_step", $"The run skips {from} (its phases are {run.Phases}).");
            }
        }

        if (from != Steps.Clone && (run.BaseCommit is null || !workspace.Exists(id)))
        {
            throw new RunStateException(id, run.State, "its workspace is gone (purged or never cloned); retry from clone.");
        }

        if (!await store.RequeueAsync(id, from, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            // Another retry queued it since the check above.
            var state = await store.GetRunStateAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(id);
            throw new RunStateException(id, state, "wait for it to finish, or cancel it, before retrying.");
        }

        notifier.WorkAvailable();
        notifier.EventsAdded(id);
        return await GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EventResponse>> GetEventsAsync(string id, long after, int limit, CancellationToken cancellationToken)
    {
        var events = await store.GetEventsAsync(id, after, limit, cancellationToken).ConfigureAwait(false);
        return events.Select(e => new EventResponse(e.Id, e.At, e.Kind, e.Step, e.Attempt, e.Message)).ToArray();
    }

    public async Task<(ArtifactRow Artifact, byte[] Content)> GetArtifactAsync(string id, string name, CancellationToken cancellationToken)
    {
        if (!IsArtifactName(name))
        {
            throw new AutomationRequestException("automation.invalid_artifact", "Artifact names are relative paths without '..', '.' or empty segments.");
        }

        await GetStateAsync(id, cancellationToken).ConfigureAwait(false);
        return await store.GetArtifactAsync(id, name, cancellationToken).ConfigureAwait(false) ?? throw new ArtifactNotFoundException(id, name);
    }

    public async Task<IReadOnlyList<PullRequestResponse>> ListPullRequestsAsync(string? state, int limit, CancellationToken cancellationToken) =>
        (await store.ListPullRequestsAsync(state, Math.Clamp(limit, 1, 500), cancellationToken).ConfigureAwait(false)).Select(ToResponse).ToArray();

    /// <summary>After a run ends: the run summary artifact, the metrics, and a wake-up for live viewers.</summary>
    public async Task FinalizeAsync(string id, CancellationToken cancellationToken)
    {
        var run = await RequireAsync(id, cancellationToken).ConfigureAwait(false);
        var steps = await store.GetStepsAsync(id, cancellationToken).ConfigureAwait(false);
        var attempts = await store.GetAttemptsAsync(id, cancellationToken).ConfigureAwait(false);
        var pull = await store.GetPullRequestAsync(id, cancellationToken).ConfigureAwait(false);
        var response = ToResponse(run, pull, steps, attempts, artifacts: null);
        var agentSeconds = attempts.Sum(a => a.JobStartedAt is { } start && a.JobFinishedAt is { } end ? (end - start).TotalSeconds : 0);
        double? overhead = response.DurationSeconds is { } total ? Math.Max(0, total - agentSeconds) : null;
        var summary = new RunSummary(response, agentSeconds, overhead);
        var now = clock.GetUtcNow();
        await store.PutArtifactAsync(id, null, "run-summary.json", "application/json", JsonSerializer.SerializeToUtf8Bytes(summary, AutomationJsonContext.Default.RunSummary), now, now + _settings.ArtifactRetention, cancellationToken).ConfigureAwait(false);
        metrics.RunFinished(response.State);
        LogFinished(logger, id, response.State, response.Error ?? "");
        notifier.EventsAdded(id);
    }

    public static bool IsArtifactName(string name) =>
        name.Length is > 0 and <= 512
        && !name.StartsWith('/')
        && !name.Contains('\\', StringComparison.Ordinal)
        && !name.Contains('\0', StringComparison.Ordinal)
        && name.Split('/').All(segment => segment.Length > 0 && segment is not "." and not "..");

    public static RunResponse ToResponse(RunRow run, PullRequestRow? pull, IReadOnlyList<StepRow>? steps, IReadOnlyList<AttemptRow>? attempts, IReadOnlyList<ArtifactRow>? artifacts)
    {
        var api = Api(run.Id);
        return new RunResponse(
            run.Id, run.Repository, run.BaseBranch, run.Description, run.Agent, run.PhaseList, run.DryRun, run.State, run.Error, run.Rerun,
            run.CancelRequested, run.BaseCommit, run.FeatureDir, run.Branch, run.CreatedAt, run.StartedAt, run.FinishedAt,
            run.StartedAt is { } start && run.FinishedAt is { } end ? Math.Round((end - start).TotalSeconds, 3) : null,
            $"/runs/{run.Id}", api,
            pull is null ? null : ToResponse(pull),
            steps?.Select(s => ToResponse(s, attempts?.Where(a => a.Step == s.Name).ToArray() ?? [])).ToArray(),
            artifacts?.Select(a => ToResponse(a, api)).ToArray());
    }

    private static string Api(string id) => $"/api/automation/runs/{id}";

    private static ArtifactResponse ToResponse(ArtifactRow artifact, string api) =>
        new(artifact.Name, artifact.Step, artifact.ContentType, artifact.Size, artifact.Sha256, artifact.CreatedAt, artifact.ExpiresAt, $"{api}/artifacts/{artifact.Name}");

    private static StepResponse ToResponse(StepRow step, IReadOnlyList<AttemptRow> attempts) => new(
        step.Name, step.State, step.Attempts, step.StartedAt, step.FinishedAt,
        step.StartedAt is { } start && step.FinishedAt is { } end ? Math.Round((end - start).TotalSeconds, 3) : null,
        step.State == StepStates.Ready && step.Attempts > step.BudgetStart ? step.NotBefore : null,
        step.Error,
        attempts.Select(a => new AttemptResponse(
            a.Number, a.State, a.Instance, a.JobId, a.ExitCode, a.Error, a.StartedAt, a.FinishedAt,
            a.FinishedAt is { } end ? Math.Round((end - a.StartedAt).TotalSeconds, 3) : null,
            a.JobStartedAt is { } js && a.JobFinishedAt is { } je ? Math.Round((je - js).TotalSeconds, 3) : null)).ToArray());

    private static PullRequestResponse ToResponse(PullRequestRow pull) => new(
        pull.Target, pull.Repository, pull.Number, pull.Url, pull.BaseBranch, pull.HeadBranch, pull.HeadCommit, pull.Title, pull.Body, pull.Draft, pull.State,
        JsonSerializer.Deserialize(pull.Files, AutomationJsonContext.Default.StringArray) ?? [], pull.CreatedAt, pull.UpdatedAt);

    /// <summary>A run with no step executing stops here and now; otherwise the instance executing its step stops the job.</summary>
    private async Task RequestStopAsync(string id, string reason, string error, CancellationToken cancellationToken)
    {
        var stoppedNow = await store.RequestStopAsync(id, reason, error, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (stoppedNow)
        {
            await FinalizeAsync(id, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            notifier.StopRequested(id);
        }

        notifier.EventsAdded(id);
    }

    private async Task<RunRow> RequireAsync(string id, CancellationToken cancellationToken) =>
        await store.GetRunAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(id);

    private async Task<RunResponse> ReplayAsync(RunRow earlier, string key, string hash, CancellationToken cancellationToken)
    {
        if (earlier.RequestHash != hash)
        {
            throw new IdempotencyConflictException(key, earlier.Id);
        }

        return await GetAsync(earlier.Id, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteCredentialAuditAsync(RunRow run, Agents.AgentDefinition agent, CancellationToken cancellationToken)
    {
        var missing = secrets.Missing(agent.Secrets).ToHashSet(StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        var audit = new CredentialAudit(
            run.Id, agent.Name, agent.Image,
            agent.Secrets.Select(name => new SecretAuditEntry(name, !missing.Contains(name), "environment variable of each phase's job")).ToArray(),
            "Secret values are never stored; they are masked as *** in logs, events, artifacts and published files.",
            now);
        await store.PutArtifactAsync(run.Id, null, "credential-audit.json", "application/json", JsonSerializer.SerializeToUtf8Bytes(audit, AutomationJsonContext.Default.CredentialAudit), now, now + _settings.ArtifactRetention, cancellationToken).ConfigureAwait(false);
    }

    private static IReadOnlyList<string> CheckPhases(IReadOnlyList<string>? requested)
    {
        if (requested is null || requested.Count == 0)
        {
            return Steps.Phases;
        }

        var phases = requested.Select(p => p?.Trim() ?? "").ToArray();
        var unknown = phases.Where(p => !Steps.IsPhase(p)).ToArray();
        if (unknown.Length > 0)
        {
            throw new AutomationRequestException("automation.invalid_phases", $"Unknown phase{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}; phases are specify, plan and tasks.");
        }

        if (!phases.SequenceEqual(Steps.Phases.Take(phases.Length)))
        {
            throw new AutomationRequestException("automation.invalid_phases", "Phases build on each other: ask for [specify], [specify, plan] or [specify, plan, tasks], in that order.");
        }

        return phases;
    }

    private static string? IdempotencyKey(string? body, string? header)
    {
        var key = string.IsNullOrWhiteSpace(header) ? body : header;
        if (!string.IsNullOrWhiteSpace(header) && !string.IsNullOrWhiteSpace(body) && header != body)
        {
            throw new AutomationRequestException("automation.invalid_idempotency_key", "The Idempotency-Key header and the body's idempotencyKey differ; send one.");
        }

        if (key is null || key.Length == 0)
        {
            return null;
        }

        if (key.Length > MaxIdempotencyKeyLength || key.Any(char.IsControl))
        {
            throw new AutomationRequestException("automation.invalid_idempotency_key", $"The idempotency key must be 1-{MaxIdempotencyKeyLength} printable characters.");
        }

        return key;
    }

    private static string RequestHash(string repository, string baseBranch, string description, string agent, IReadOnlyList<string> phases, bool dryRun)
    {
        var canonical = string.Join('\n', repository, baseBranch, agent, string.Join(',', phases), dryRun ? "dry" : "publish", description);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} submitted: agent {Agent} on {Repository}@{Branch} (dry run: {DryRun})")]
    private static partial void LogSubmitted(ILogger logger, string runId, string agent, string repository, string branch, bool dryRun);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} finished: {State} {Error}")]
    private static partial void LogFinished(ILogger logger, string runId, string state, string error);
}
