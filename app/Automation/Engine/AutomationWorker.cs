using Microsoft.Extensions.Options;
using SpecEditor.Automation.Agents;
using SpecEditor.Data;
using SpecEditor.Automation.Runners;
using SpecEditor.Automation.Store;

namespace SpecEditor.Automation.Engine;

/// <summary>Names this app instance in leases, events and job labels, and the deployment (scope) its jobs belong to.</summary>
public sealed class AutomationInstance(IOptions<AutomationSettings> settings, IOptions<DatabaseSettings> database)
{
    public string Id { get; } = settings.Value.InstanceId is { Length: > 0 } configured
        ? configured
        : $"{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..6]}";

    public string Scope { get; } = settings.Value.JobScope is { Length: > 0 } scope ? scope : DefaultScope(database.Value);

    /// <summary>"db-" and a hash of where the database is (never its credentials): shared by the instances of one deployment only.</summary>
    private static string DefaultScope(DatabaseSettings database) =>
        "db-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(database.Location())))[..16];
}

/// <summary>
/// The engine's loop on every instance: start queued runs within the caps, lease and execute ready steps, stop overdue
/// runs, remove orphaned jobs, and purge expired artifacts and workspaces. All coordination goes through the database,
/// so any number of instances can run it against one PostgreSQL.
/// </summary>
public sealed partial class AutomationWorker(
    RunStore store,
    StepExecutor executor,
    AutomationService service,
    IJobRunner runner,
    Workspace workspace,
    RunNotifier notifier,
    AutomationMetrics metrics,
    AutomationInstance instance,
    SecretRedactor redactor,
    IOptions<AutomationSettings> options,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<AutomationWorker> logger) : BackgroundService
{
    private static readonly TimeSpan ReapInterval = TimeSpan.FromSeconds(2);

    private Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        return started.Task;
    }
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(60);

    private readonly AutomationSettings _settings = options.Value;
    private readonly List<Task> _active = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the app finish starting (and answer readiness) before the engine spends CPU on sweeping and polling.
        await WhenStartedAsync(stoppingToken).ConfigureAwait(false);
        LogStarting(logger, instance.Id, runner.Kind);
        await SweepOrphansAsync(stoppingToken).ConfigureAwait(false);
        var nextReap = DateTimeOffset.MinValue;
        var nextSweep = clock.GetUtcNow() + SweepInterval;
        var nextPurge = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = notifier.WaitForWorkAsync();
            try
            {
                var now = clock.GetUtcNow();
                if (now >= nextReap)
                {
                    nextReap = now + ReapInterval;
                    await service.StopOverdueRunsAsync(stoppingToken).ConfigureAwait(false);
                    metrics.SetQueueDepth(await store.CountQueueDepthAsync(stoppingToken).ConfigureAwait(false));
                }

                if (now >= nextSweep)
                {
                    nextSweep = now + SweepInterval;
                    await SweepOrphansAsync(stoppingToken).ConfigureAwait(false);
                }

                if (now >= nextPurge)
                {
                    nextPurge = now + _settings.PurgeInterval;
                    await PurgeAsync(now, stoppingToken).ConfigureAwait(false);
                }

                _active.RemoveAll(task => task.IsCompleted);
                if (await store.HasWorkAsync(clock.GetUtcNow(), stoppingToken).ConfigureAwait(false))
                {
                    await AdmitAndClaimAsync(now, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogLoopFailed(logger, ex);
            }

            try
            {
                var waits = new List<Task> { wake, Task.Delay(_settings.PollInterval, stoppingToken) };
                waits.AddRange(_active);
                await Task.WhenAny(waits).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        // Executors leave their jobs running and hand their leases back; the next instance adopts the jobs.
        await Task.WhenAll(_active).ConfigureAwait(false);
    }

    private async Task AdmitAndClaimAsync(DateTimeOffset now, CancellationToken stoppingToken)
    {
        var admitted = await store.AdmitAsync(now, _settings.MaxConcurrentRunCount, _settings.MaxRunsPerRepositoryCount, _settings.RunTimeout, stoppingToken).ConfigureAwait(false);
        if (admitted.Count > 0)
        {
            metrics.RunsStarted.Add(admitted.Count);
            foreach (var id in admitted)
            {
                notifier.EventsAdded(id);
            }
        }

        while (_active.Count < _settings.MaxConcurrentRunCount)
        {
            var claim = await store.ClaimAsync(instance.Id, clock.GetUtcNow(), _settings.Lease, stoppingToken).ConfigureAwait(false);
            if (claim is null)
            {
                break;
            }

            notifier.EventsAdded(claim.Run.Id);
            _active.Add(Task.Run(() => ExecuteAsync(claim, stoppingToken), CancellationToken.None));
        }
    }

    private async Task ExecuteAsync(ClaimedStep claim, CancellationToken stoppingToken)
    {
        try
        {
            await executor.ExecuteAsync(claim, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Typically the database going away mid-step: the lease runs out and an instance takes the step over.
            // As text, masked: an exception's message or data can carry a secret, and log sinks keep what they are given.
            LogExecutorFailed(logger, claim.Run.Id, claim.Step.Name, claim.Attempt, redactor.Redact(ex.ToString()));
        }
    }

    /// <summary>Removes every job whose attempt is not running any more: left by a crash, a lost lease, or a finished step whose cleanup failed.</summary>
    internal async Task SweepOrphansAsync(CancellationToken cancellationToken)
    {
        try
        {
            var jobs = await runner.ListAsync(cancellationToken).ConfigureAwait(false);
            if (jobs.Count == 0)
            {
                return;
            }

            var live = await store.ListLiveAttemptsAsync(cancellationToken).ConfigureAwait(false);
            foreach (var job in jobs.Where(j => !live.Contains((j.Key.RunId, j.Key.Step, j.Key.Attempt))))
            {
                await runner.RemoveAsync(job.Id, cancellationToken).ConfigureAwait(false);
                LogOrphanRemoved(logger, job.Id, job.Key.RunId, job.Key.Step, job.Key.Attempt, job.Instance ?? "?");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSweepFailed(logger, runner.Kind, ex.Message);
        }
    }

    /// <summary>Deletes artifacts and job log lines past their retention, and the workspaces of runs that finished longer ago than that.</summary>
    internal async Task PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var artifacts = await store.PurgeArtifactsAsync(now, now - _settings.ArtifactRetention, cancellationToken).ConfigureAwait(false);
        var expired = await store.ListFinishedBeforeAsync(workspace.List(), now - _settings.ArtifactRetention, cancellationToken).ConfigureAwait(false);
        foreach (var id in expired)
        {
            workspace.Delete(id);
        }

        if (artifacts > 0 || expired.Count > 0)
        {
            LogPurged(logger, artifacts, expired.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Automation engine started as {Instance} with the {Runner} runner")]
    private static partial void LogStarting(ILogger logger, string instance, string runner);

    [LoggerMessage(Level = LogLevel.Error, Message = "Automation loop failed; trying again")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Executing run {RunId} step {Step} attempt {Attempt} failed; its lease will expire and the step be taken over: {Error}")]
    private static partial void LogExecutorFailed(ILogger logger, string runId, string step, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed orphaned job {Job} (run {RunId} {Step} attempt {Attempt}, started by {Instance})")]
    private static partial void LogOrphanRemoved(ILogger logger, string job, string runId, string step, int attempt, string instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look for orphaned {Runner} jobs: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string runner, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention purge: {Artifacts} artifact(s) and {Workspaces} workspace(s) removed")]
    private static partial void LogPurged(ILogger logger, int artifacts, int workspaces);
}
