using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using SpecEditor.Automation.Runners.Kubernetes;

namespace SpecEditor.Automation.Runners;

/// <summary>
/// Phase jobs as Kubernetes Jobs, for an app running in a cluster: one pod, never restarted (the engine retries), non-root
/// with a read-only root filesystem, no service-account token, all capabilities dropped, memory/CPU limits, the run's folder
/// of the shared workspace claim mounted, and the secrets in a per-job Secret read as environment variables. The job and its
/// secret are deleted after the step; the Job owns the Secret, so Kubernetes deletes it with the Job in any case. (Process
/// limits are the kubelet's podPidsLimit; a pod spec has no field for them.)
/// </summary>
public sealed partial class KubernetesJobRunner : IJobRunner, IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly AutomationSettings _settings;
    private readonly ILogger<KubernetesJobRunner> _logger;
    private readonly Lazy<KubernetesApi> _client;
    private readonly string _scope;

    public KubernetesJobRunner(IOptions<AutomationSettings> settings, Engine.AutomationInstance instance, ILogger<KubernetesJobRunner> logger)
    {
        _settings = settings.Value;
        _scope = instance.Scope;
        _logger = logger;
        _client = new Lazy<KubernetesApi>(() => new KubernetesApi(KubernetesConnection.Resolve(_settings.KubernetesApiUrl)));
    }

    public string Kind => "kubernetes";

    private KubernetesApi Client => _client.Value;

    private string Namespace => _settings.KubernetesNamespace;

    public async Task<string> StartAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        var name = spec.Key.ResourceName;
        var labels = Labels.For(spec.Key, LabelValue(spec.Instance), _scope);
        var secretNames = spec.SecretNames.ToHashSet(StringComparer.Ordinal);
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Type = "Opaque",
            Data = spec.Environment.Where(e => secretNames.Contains(e.Key)).ToDictionary(e => e.Key, e => Encoding.UTF8.GetBytes(e.Value)),
        };
        await CreateReplacingAsync(
            () => Client.CreateSecretAsync(Namespace, secret, cancellationToken),
            () => DeleteSecretAsync(name, cancellationToken)).ConfigureAwait(false);

        var (uid, gid) = ParseUser(spec.User);
        var job = new V1Job
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                TtlSecondsAfterFinished = 86400,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        AutomountServiceAccountToken = false,
                        EnableServiceLinks = false,
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            RunAsUser = uid,
                            RunAsGroup = gid,
                            FsGroup = gid,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "agent",
                                Image = spec.Image,
                                Args = spec.Command.ToList(),
                                WorkingDir = JobSpec.WorkspaceMount,
                                Env = spec.Environment.Select(e => secretNames.Contains(e.Key)
                                    ? new V1EnvVar { Name = e.Key, ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = name, Key = e.Key } } }
                                    : new V1EnvVar { Name = e.Key, Value = e.Value }).ToList(),
                                Resources = new V1ResourceRequirements
                                {
                                    Limits = new Dictionary<string, string>
                                    {
                                        ["memory"] = spec.MemoryBytes.ToString(CultureInfo.InvariantCulture),
                                        ["cpu"] = $"{(long)(spec.Cpus * 1000)}m",
                                    },
                                    Requests = new Dictionary<string, string>
                                    {
                                        ["memory"] = spec.MemoryBytes.ToString(CultureInfo.InvariantCulture),
                                        ["cpu"] = $"{(long)(spec.Cpus * 1000)}m",
                                    },
                                },
                                SecurityContext = new V1SecurityContext
                                {
                                    AllowPrivilegeEscalation = false,
                                    ReadOnlyRootFilesystem = true,
                                    RunAsNonRoot = true,
                                    Capabilities = new V1Capabilities { Drop = ["ALL"] },
                                },
                                VolumeMounts =
                                [
                                    new V1VolumeMount { Name = "workspace", MountPath = JobSpec.WorkspaceMount, SubPath = SubPath(spec.WorkspacePath) },
                                    new V1VolumeMount { Name = "tmp", MountPath = "/tmp" },
                                ],
                            },
                        ],
                        Volumes =
                        [
                            new V1Volume { Name = "workspace", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = _settings.KubernetesWorkspaceClaim } },
                            new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = "256Mi" } },
                        ],
                    },
                },
            },
        };

        V1Job created;
        try
        {
            created = await CreateReplacingAsync(
                () => Client.CreateJobAsync(Namespace, job, cancellationToken),
                () => DeleteJobAsync(name, cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Without a Job the step's cleanup (it needs a job id) cannot remove the Secret; only the orphan sweep would, later.
            // Not cancellable: a cancelled or timed-out create must still take its Secret with it.
            try
            {
                await DeleteSecretAsync(name, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception deleteFailure)
            {
                // The create's error is the one to report; this one only says a Secret may be left behind.
                LogSecretLeft(_logger, name, deleteFailure.Message);
            }

            if (ex is KubernetesApiException { StatusCode: HttpStatusCode.UnprocessableEntity or HttpStatusCode.Forbidden } refused)
            {
                throw new PermanentStepException($"Kubernetes refused the job ({(int)refused.StatusCode}): {refused.Body}", ex);
            }

            throw;
        }

        await GiveSecretToJobAsync(name, created).ConfigureAwait(false);
        LogStarted(_logger, name, spec.Key.RunId, spec.Key.Step, spec.Key.Attempt);
        return name;
    }

    public async Task<JobInfo?> FindAsync(JobKey key, CancellationToken cancellationToken)
    {
        var jobs = await ListAsync($"{Labels.App}={_scope},{Labels.Run}={key.RunId},{Labels.Step}={key.Step},{Labels.Attempt}={key.Attempt.ToString(CultureInfo.InvariantCulture)}", cancellationToken).ConfigureAwait(false);
        return jobs.Count > 0 ? jobs[0] : null;
    }

    /// <summary>
    /// Every Job of this deployment, and as exited jobs the Secrets left without theirs (a crash between creating the two, or a
    /// Secret made before it had an owner), so the orphan sweep removes those too.
    /// </summary>
    public async Task<IReadOnlyList<JobInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var selector = $"{Labels.App}={_scope}";
        var jobs = await ListAsync(selector, cancellationToken).ConfigureAwait(false);
        var secrets = await Client.ListSecretsAsync(Namespace, selector, cancellationToken).ConfigureAwait(false);
        var jobNames = jobs.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        var leftovers = secrets.Items
            .Where(s => s.Metadata?.Name is { } name && !jobNames.Contains(name))
            .Select(s => (Secret: s, Key: Labels.Parse(s.Metadata!.Labels)))
            .Where(s => s.Key is not null)
            .Select(s => new JobInfo(s.Secret.Metadata!.Name!, s.Key!, s.Secret.Metadata.Labels!.TryGetValue(Labels.Instance, out var instance) ? instance : null, Running: false));
        return [.. jobs, .. leftovers];
    }

    public async Task<JobResult> WaitAsync(string jobId, Func<OutputChannel, string, ValueTask> onLine, CancellationToken cancellationToken)
    {
        var pod = await WaitForPodAsync(jobId, cancellationToken).ConfigureAwait(false);
        var logs = await Client.FollowPodLogAsync(Namespace, pod, "agent", cancellationToken).ConfigureAwait(false);
        await using (logs.ConfigureAwait(false))
        {
            // Kubernetes merges a container's stdout and stderr into one log.
            var lines = new LineSplitter(OutputChannel.StdOut, onLine);
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await logs.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await lines.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
            }

            await lines.FlushAsync().ConfigureAwait(false);
        }

        while (true)
        {
            var job = await Client.ReadJobAsync(Namespace, jobId, cancellationToken).ConfigureAwait(false);
            if (job.Status is { } status && (status.Succeeded > 0 || status.Failed > 0))
            {
                var podStatus = (await Client.ReadPodAsync(Namespace, pod, cancellationToken).ConfigureAwait(false)).Status;
                var terminated = podStatus?.ContainerStatuses?.FirstOrDefault(c => c.Name == "agent")?.State?.Terminated;
                var exitCode = terminated?.ExitCode ?? (status.Succeeded > 0 ? 0 : 1);
                var problem = terminated?.Reason is "OOMKilled" ? "the job ran out of memory (OOM-killed)" : null;
                return new JobResult(exitCode, terminated?.StartedAt ?? status.StartTime, terminated?.FinishedAt ?? status.CompletionTime, problem);
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task RemoveAsync(string jobId, CancellationToken cancellationToken)
    {
        await DeleteJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        await DeleteSecretAsync(jobId, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }

    private async Task<IReadOnlyList<JobInfo>> ListAsync(string selector, CancellationToken cancellationToken)
    {
        var jobs = await Client.ListJobsAsync(Namespace, selector, cancellationToken).ConfigureAwait(false);
        return jobs.Items
            .Where(j => j.Metadata?.Name is not null)
            .Select(j => (Job: j, Key: Labels.Parse(j.Metadata!.Labels)))
            .Where(j => j.Key is not null)
            .Select(j => new JobInfo(j.Job.Metadata!.Name!, j.Key!, j.Job.Metadata.Labels!.TryGetValue(Labels.Instance, out var instance) ? instance : null, j.Job.Status?.Active > 0))
            .ToArray();
    }

    private async Task<string> WaitForPodAsync(string jobId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var pods = await Client.ListPodsAsync(Namespace, $"job-name={jobId}", cancellationToken).ConfigureAwait(false);
            var pod = pods.Items.FirstOrDefault(p => p.Status?.Phase is "Running" or "Succeeded" or "Failed" && p.Metadata?.Name is not null);
            if (pod is not null)
            {
                return pod.Metadata!.Name!;
            }

            var waiting = pods.Items.SelectMany(p => p.Status?.ContainerStatuses ?? []).Select(c => c.State?.Waiting).FirstOrDefault(w => w?.Reason is "ErrImagePull" or "ImagePullBackOff" or "InvalidImageName" or "CreateContainerConfigError");
            if (waiting is not null)
            {
                throw new PermanentStepException($"the job's pod cannot start: {waiting.Reason} {waiting.Message}");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DeleteJobAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await Client.DeleteJobAsync(Namespace, name, "Background", cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    private async Task DeleteSecretAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await Client.DeleteSecretAsync(Namespace, name, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    /// <summary>
    /// Makes the Job the Secret's owner, so Kubernetes deletes the Secret with the Job: also when the Job's TTL removes it
    /// first, or when the step's own delete of the Secret fails after the Job's succeeded.
    /// </summary>
    private async Task GiveSecretToJobAsync(string name, V1Job job)
    {
        var patch = new V1Secret
        {
            Metadata = new V1ObjectMeta { OwnerReferences = [new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = job.Metadata?.Name, Uid = job.Metadata?.Uid }] },
        };
        try
        {
            // Not cancellable: the Job exists now, and the caller must get its id to remove it, whatever happens to the step.
            await Client.MergePatchSecretAsync(Namespace, name, patch, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or TimeoutException)
        {
            // The job runs all the same; the step's cleanup or else the orphan sweep deletes the Secret.
            LogSecretNotOwned(_logger, name, ex.Message);
        }
    }

    private static async Task<T> CreateReplacingAsync<T>(Func<Task<T>> create, Func<Task> delete)
    {
        try
        {
            return await create().ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Left by an earlier try of this very attempt before the app stopped.
            await delete().ConfigureAwait(false);
            return await create().ConfigureAwait(false);
        }
    }

    private string SubPath(string workspace) =>
        _settings.WorkDir is { Length: > 0 } root ? Path.GetRelativePath(root, workspace) : Path.GetFileName(workspace);

    private static (long Uid, long Gid) ParseUser(string user)
    {
        var parts = user.Split(':');
        var uid = long.Parse(parts[0], CultureInfo.InvariantCulture);
        return (uid, parts.Length > 1 ? long.Parse(parts[1], CultureInfo.InvariantCulture) : uid);
    }

    /// <summary>Label values are at most 63 characters of letters, digits, '-', '_' and '.'.</summary>
    private static string LabelValue(string value)
    {
        var clean = new string(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray()).Trim('-', '_', '.');
        return clean.Length > 63 ? clean[..63].TrimEnd('-', '_', '.') : clean;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Kubernetes job {Job} for run {RunId} {Step} attempt {Attempt}")]
    private static partial void LogStarted(ILogger logger, string job, string runId, string step, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not make Secret {Secret} owned by its Job; the step's cleanup or the orphan sweep deletes it: {Reason}")]
    private static partial void LogSecretNotOwned(ILogger logger, string secret, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete Secret {Secret} after its Job failed to be created: {Reason}")]
    private static partial void LogSecretLeft(ILogger logger, string secret, string reason);
}
