using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpecEditor.Automation;

/// <summary>Submit a run. <see cref="Phases"/> defaults to all three; it must start at specify (each phase builds on the one before).</summary>
public sealed record SubmitRunRequest(
    string? Repository,
    string? BaseBranch,
    string? Description,
    string? Agent,
    IReadOnlyList<string>? Phases,
    bool? DryRun,
    string? IdempotencyKey);

/// <summary>Retry a finished run from <see cref="FromStep"/>; without it, from the step that failed or was cancelled.</summary>
public sealed record RetryRunRequest(string? FromStep);

public sealed record AttemptResponse(
    int Number, string State, string Instance, string? JobId, int? ExitCode, string? Error,
    DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, double? DurationSeconds, double? AgentSeconds);

public sealed record StepResponse(
    string Name, string State, int Attempts, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, double? DurationSeconds,
    DateTimeOffset? RetryAt, string? Error, IReadOnlyList<AttemptResponse> AttemptHistory);

public sealed record ArtifactResponse(string Name, string? Step, string ContentType, long Size, string Sha256, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string Url);

public sealed record PullRequestResponse(
    string Target, string Repository, long? Number, string? Url, string BaseBranch, string HeadBranch, string HeadCommit,
    string Title, string Body, bool Draft, string State, IReadOnlyList<string> Files, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record RunResponse(
    string Id, string Repository, string BaseBranch, string Description, string Agent, IReadOnlyList<string> Phases, bool DryRun,
    string State, string? Error, int Rerun, bool CancelRequested, string? BaseCommit, string? FeatureDir, string? Branch,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, double? DurationSeconds, string Url, string Api,
    PullRequestResponse? PullRequest, IReadOnlyList<StepResponse>? Steps, IReadOnlyList<ArtifactResponse>? Artifacts);

public sealed record RunListResponse(IReadOnlyList<RunResponse> Runs, string? NextCursor);

public sealed record EventResponse(long Id, DateTimeOffset At, string Kind, string? Step, int? Attempt, string Message);

public sealed record AgentResponse(string Name, string Image, IReadOnlyList<string> Command, IReadOnlyList<string> Secrets, IReadOnlyList<string> MissingSecrets, long MemoryMb, double Cpus, long Pids);

public sealed record SecretAuditEntry(string Name, bool Present, string DeliveredAs);

/// <summary>The credential audit artifact: which secrets the run's agent needs and how they reach it, never their values.</summary>
public sealed record CredentialAudit(string RunId, string Agent, string Image, IReadOnlyList<SecretAuditEntry> Secrets, string Redaction, DateTimeOffset At);

/// <summary>The run summary artifact, written whenever a run finishes.</summary>
public sealed record RunSummary(RunResponse Run, double? AgentSeconds, double? OverheadSeconds);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(SubmitRunRequest))]
[JsonSerializable(typeof(RetryRunRequest))]
[JsonSerializable(typeof(RunResponse))]
[JsonSerializable(typeof(RunListResponse))]
[JsonSerializable(typeof(EventResponse))]
[JsonSerializable(typeof(IReadOnlyList<EventResponse>))]
[JsonSerializable(typeof(IReadOnlyList<ArtifactResponse>))]
[JsonSerializable(typeof(IReadOnlyList<AgentResponse>))]
[JsonSerializable(typeof(IReadOnlyList<PullRequestResponse>))]
[JsonSerializable(typeof(CredentialAudit))]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(string[]))]
public sealed partial class AutomationJsonContext : JsonSerializerContext;
