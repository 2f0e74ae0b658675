using System.Globalization;
using SpecEditor.Hosting;
using SpecEditor.Specs;
using SpecEditor.Specs.GitHub;

namespace SpecEditor.Automation;

/// <summary>The automation engine's settings. Every duration and limit has a default that suits one app on one host.</summary>
public sealed class AutomationSettings : ISettings<AutomationSettings>
{
    public static void Bind(IConfiguration configuration, AutomationSettings settings) => configuration.Bind(settings);

    /// <summary><c>docker</c> (Docker Engine API, the default) or <c>kubernetes</c> (Jobs in the app's cluster).</summary>
    [ConfigurationKeyName("AUTOMATION_RUNNER")]
    public string Runner { get; set; } = "docker";

    /// <summary>Docker Engine endpoint, e.g. <c>unix:///var/run/docker.sock</c> or <c>tcp://127.0.0.1:2375</c>.</summary>
    [ConfigurationKeyName("DOCKER_HOST")]
    public string DockerHost { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>Per-run workspaces. Replicas of the app must share it (same host folder, or a ReadWriteMany volume).</summary>
    [ConfigurationKeyName("AUTOMATION_WORK_DIR")]
    public string? WorkDir { get; set; }

    /// <summary>Where Docker finds <see cref="WorkDir"/> when the app itself runs in a container (the bind-mount source on the host).</summary>
    [ConfigurationKeyName("AUTOMATION_HOST_WORK_DIR")]
    public string? HostWorkDir { get; set; }

    /// <summary>JSON file of extra agents (or overrides of the presets): <c>{"agents": {"name": {"image": ..., "command": [...], "secrets": [...]}}}</c>.</summary>
    [ConfigurationKeyName("AUTOMATION_AGENTS_FILE")]
    public string? AgentsFile { get; set; }

    /// <summary>Executions of one step before the run fails (the first try counts).</summary>
    [ConfigurationKeyName("AUTOMATION_MAX_ATTEMPTS")]
    public string MaxAttempts { get; set; } = "3";

    [ConfigurationKeyName("AUTOMATION_RETRY_BASE_SECONDS")]
    public string RetryBaseSeconds { get; set; } = "5";

    [ConfigurationKeyName("AUTOMATION_RETRY_MAX_SECONDS")]
    public string RetryMaxSeconds { get; set; } = "300";

    [ConfigurationKeyName("AUTOMATION_STEP_TIMEOUT_SECONDS")]
    public string StepTimeoutSeconds { get; set; } = "1800";

    [ConfigurationKeyName("AUTOMATION_RUN_TIMEOUT_SECONDS")]
    public string RunTimeoutSeconds { get; set; } = "7200";

    [ConfigurationKeyName("AUTOMATION_MAX_CONCURRENT_RUNS")]
    public string MaxConcurrentRuns { get; set; } = "4";

    [ConfigurationKeyName("AUTOMATION_MAX_RUNS_PER_REPOSITORY")]
    public string MaxRunsPerRepository { get; set; } = "2";

    /// <summary>How long a step's lease lasts without renewal: after a crash, another instance takes the step over this long after the last renewal.</summary>
    [ConfigurationKeyName("AUTOMATION_LEASE_SECONDS")]
    public string LeaseSeconds { get; set; } = "30";

    /// <summary>How often an idle instance looks for work that other instances queued.</summary>
    [ConfigurationKeyName("AUTOMATION_POLL_MILLISECONDS")]
    public string PollMilliseconds { get; set; } = "1000";

    [ConfigurationKeyName("AUTOMATION_ARTIFACT_RETENTION_HOURS")]
    public string ArtifactRetentionHours { get; set; } = "168";

    [ConfigurationKeyName("AUTOMATION_PURGE_INTERVAL_SECONDS")]
    public string PurgeIntervalSeconds { get; set; } = "3600";

    [ConfigurationKeyName("AUTOMATION_MAX_DESCRIPTION_CHARS")]
    public string MaxDescriptionChars { get; set; } = "8000";

    /// <summary>Each of a job's stdout and stderr is kept up to this many bytes; the rest is cut with a note.</summary>
    [ConfigurationKeyName("AUTOMATION_MAX_LOG_BYTES")]
    public string MaxLogBytes { get; set; } = "10485760";

    /// <summary>Names this app instance in leases, events and job labels. Defaults to the host name plus a random suffix.</summary>
    [ConfigurationKeyName("AUTOMATION_INSTANCE_ID")]
    public string? InstanceId { get; set; }

    /// <summary>
    /// Labels this deployment's jobs, so instances only ever sweep their own: defaults to a hash of the database's location,
    /// which every instance of one deployment shares and another deployment on the same Docker host or cluster does not.
    /// </summary>
    [ConfigurationKeyName("AUTOMATION_JOB_SCOPE")]
    public string? JobScope { get; set; }

    /// <summary><c>uid:gid</c> jobs run as. Default: the app's own user, or 65534:65534 (nobody) when the app runs as root.</summary>
    [ConfigurationKeyName("AUTOMATION_JOB_USER")]
    public string? JobUser { get; set; }

    /// <summary>Docker network for jobs: agents call their model's API, so the default is <c>bridge</c>; <c>none</c> cuts them off.</summary>
    [ConfigurationKeyName("AUTOMATION_JOB_NETWORK")]
    public string JobNetwork { get; set; } = "bridge";

    [ConfigurationKeyName("AUTOMATION_K8S_NAMESPACE")]
    public string KubernetesNamespace { get; set; } = "default";

    /// <summary>Kubernetes API address; empty means in-cluster configuration, or the kubeconfig file outside a cluster.</summary>
    [ConfigurationKeyName("AUTOMATION_K8S_API_URL")]
    public string? KubernetesApiUrl { get; set; }

    /// <summary>PersistentVolumeClaim (ReadWriteMany) holding <see cref="WorkDir"/>; jobs mount their run's folder from it.</summary>
    [ConfigurationKeyName("AUTOMATION_K8S_WORKSPACE_CLAIM")]
    public string? KubernetesWorkspaceClaim { get; set; }

    /// <summary>Author of the commits runs publish, as <c>Name &lt;email&gt;</c>.</summary>
    [ConfigurationKeyName("AUTOMATION_COMMIT_AUTHOR")]
    public string CommitAuthor { get; set; } = "Spec Automation <automation@localhost>";

    [ConfigurationKeyName("GH_REPO")]
    public string? GitHubRepository { get; set; }

    [ConfigurationKeyName("GH_TOKEN")]
    public string? GitHubToken { get; set; }

    /// <summary>GitHub's REST API root (the same setting as the github store's); set for GitHub Enterprise Server.</summary>
    [ConfigurationKeyName("GH_API_URL")]
    public string GitHubApiUrl { get; set; } = "https://api.github.com";

    /// <summary>GitHub's web root, also the git remote for clone and push over HTTPS; derived from GH_API_URL when unset.</summary>
    [ConfigurationKeyName("GH_WEB_URL")]
    public string? GitHubWebUrl { get; set; }

    public string GitHubServerUrl => GitHubSettings.WebRootFor(GitHubApiUrl, GitHubWebUrl);

    public int MaxAttemptCount => Int(MaxAttempts);

    public TimeSpan RetryBase => TimeSpan.FromSeconds(Number(RetryBaseSeconds));

    public TimeSpan RetryMax => TimeSpan.FromSeconds(Number(RetryMaxSeconds));

    public TimeSpan StepTimeout => TimeSpan.FromSeconds(Number(StepTimeoutSeconds));

    public TimeSpan RunTimeout => TimeSpan.FromSeconds(Number(RunTimeoutSeconds));

    public int MaxConcurrentRunCount => Int(MaxConcurrentRuns);

    public int MaxRunsPerRepositoryCount => Int(MaxRunsPerRepository);

    public TimeSpan Lease => TimeSpan.FromSeconds(Number(LeaseSeconds));

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(Number(PollMilliseconds));

    public TimeSpan ArtifactRetention => TimeSpan.FromHours(Number(ArtifactRetentionHours));

    public TimeSpan PurgeInterval => TimeSpan.FromSeconds(Number(PurgeIntervalSeconds));

    public int MaxDescriptionLength => Int(MaxDescriptionChars);

    public int MaxLogByteCount => Int(MaxLogBytes);

    /// <summary>Why a run stopped at its deadline: written by the reaper, and by the executor whose job it stopped.</summary>
    public string RunDeadlineError => $"the run passed its deadline ({RunTimeout.TotalSeconds:0} s, AUTOMATION_RUN_TIMEOUT_SECONDS)";

    public bool GitHubConfigured => !string.IsNullOrEmpty(GitHubRepository) && !string.IsNullOrEmpty(GitHubToken);

    public IEnumerable<string> Validate()
    {
        if (Runner is not ("docker" or "kubernetes"))
        {
            yield return $"AUTOMATION_RUNNER: '{Runner}' is not a runner; use docker or kubernetes";
        }

        if (!Uri.TryCreate(DockerHost, UriKind.Absolute, out var docker) || docker.Scheme is not ("unix" or "tcp" or "http" or "npipe"))
        {
            yield return $"DOCKER_HOST: '{DockerHost}' must be a unix:// or tcp:// address";
        }

        foreach (var (name, value) in new[] { ("AUTOMATION_WORK_DIR", WorkDir), ("AUTOMATION_HOST_WORK_DIR", HostWorkDir), ("AUTOMATION_AGENTS_FILE", AgentsFile) })
        {
            if (value is { Length: > 0 } && !Path.IsPathFullyQualified(value))
            {
                yield return $"{name}: '{value}' must be an absolute path";
            }
        }

        foreach (var line in Whole("AUTOMATION_MAX_ATTEMPTS", MaxAttempts, 1, 20)
            .Concat(Whole("AUTOMATION_MAX_CONCURRENT_RUNS", MaxConcurrentRuns, 1, 1000))
            .Concat(Whole("AUTOMATION_MAX_RUNS_PER_REPOSITORY", MaxRunsPerRepository, 1, 1000))
            .Concat(Whole("AUTOMATION_MAX_DESCRIPTION_CHARS", MaxDescriptionChars, 1, 1_000_000))
            .Concat(Whole("AUTOMATION_MAX_LOG_BYTES", MaxLogBytes, 1024, int.MaxValue))
            .Concat(Positive("AUTOMATION_RETRY_BASE_SECONDS", RetryBaseSeconds, MaxTimerSeconds))
            .Concat(Positive("AUTOMATION_RETRY_MAX_SECONDS", RetryMaxSeconds, MaxTimerSeconds))
            .Concat(Positive("AUTOMATION_STEP_TIMEOUT_SECONDS", StepTimeoutSeconds, MaxTimerSeconds))
            .Concat(Positive("AUTOMATION_RUN_TIMEOUT_SECONDS", RunTimeoutSeconds, MaxTimerSeconds))
            .Concat(Positive("AUTOMATION_LEASE_SECONDS", LeaseSeconds, MaxTimerSeconds))
            .Concat(Positive("AUTOMATION_POLL_MILLISECONDS", PollMilliseconds, MaxTimerSeconds * 1000))
            .Concat(Positive("AUTOMATION_ARTIFACT_RETENTION_HOURS", ArtifactRetentionHours, 24 * 365 * 100))
            .Concat(Positive("AUTOMATION_PURGE_INTERVAL_SECONDS", PurgeIntervalSeconds, MaxTimerSeconds)))
        {
            yield return line;
        }

        if (JobUser is { Length: > 0 } user && !System.Text.RegularExpressions.Regex.IsMatch(user, @"^\d+(:\d+)?\z"))
        {
            yield return $"AUTOMATION_JOB_USER: '{user}' must be a numeric uid or uid:gid (jobs never run as a named or root user)";
        }
        else if (JobUser is { Length: > 0 } numeric && numeric.Split(':')[0].TrimStart('0').Length == 0)
        {
            // Any spelling of uid 0 ("0", "00", "0:5"): Docker and Kubernetes read them all as root.
            yield return "AUTOMATION_JOB_USER: jobs must not run as root (uid 0)";
        }

        if (JobScope is { Length: > 0 } scope && !System.Text.RegularExpressions.Regex.IsMatch(scope, "^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?\\z"))
        {
            yield return $"AUTOMATION_JOB_SCOPE: '{scope}' must be 1-63 lowercase letters, digits, '.' and '-' (it is a label value)";
        }

        if (Runner == "kubernetes" && string.IsNullOrEmpty(KubernetesWorkspaceClaim))
        {
            yield return "AUTOMATION_K8S_WORKSPACE_CLAIM: the kubernetes runner needs the ReadWriteMany claim that holds AUTOMATION_WORK_DIR";
        }

        if (!string.IsNullOrEmpty(GitHubRepository) && !SpecsSettings.IsRepositoryName(GitHubRepository))
        {
            yield return $"GH_REPO: '{GitHubRepository}' must name the repository as owner/name";
        }

        // The github store's own check and wording: with both reading these variables, a bad URL is still one line.
        foreach (var line in GitHubSettings.UrlErrors(GitHubApiUrl, GitHubWebUrl))
        {
            yield return line;
        }

        if (SpecsSettings.ParseAuthor(CommitAuthor) is null)
        {
            yield return $"AUTOMATION_COMMIT_AUTHOR: '{CommitAuthor}' must look like 'Name <email>'";
        }
    }

    public (string Name, string Email) CommitIdentity => SpecsSettings.ParseAuthor(CommitAuthor) ?? ("", "");

    private static IEnumerable<string> Whole(string name, string value, long min, long max)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            yield return $"{name}: '{value}' must be a whole number from {min} to {max}";
        }
    }

    /// <summary>Timers (timeouts, delays, cancellation) take at most int.MaxValue milliseconds, about 24.8 days: stay under.</summary>
    private const double MaxTimerSeconds = 2_000_000;

    private static IEnumerable<string> Positive(string name, string value, double max)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number <= 0 || number > max)
        {
            yield return $"{name}: '{value}' must be a positive number, at most {max.ToString(CultureInfo.InvariantCulture)}";
        }
    }

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    private static double Number(string value) => double.Parse(value, CultureInfo.InvariantCulture);
}
