namespace SpecEditor.Automation;

/// <summary>The steps of every run, in order. <see cref="Clone"/> and <see cref="Publish"/> run in the app; the phases run in containers.</summary>
public static class Steps
{
    public const string Clone = "clone";
    public const string Specify = "specify";
    public const string Plan = "plan";
    public const string Tasks = "tasks";
    public const string Publish = "publish";

    public static readonly IReadOnlyList<string> All = [Clone, Specify, Plan, Tasks, Publish];

    /// <summary>The Spec Kit phases an agent runs, in the order they build on each other.</summary>
    public static readonly IReadOnlyList<string> Phases = [Specify, Plan, Tasks];

    public static bool IsPhase(string step) => step is Specify or Plan or Tasks;

    /// <summary>The file a phase must leave in the feature folder (Spec Kit's layout: <c>specs/NNN-name/</c>).</summary>
    public static string ExpectedFile(string phase) => phase switch
    {
        Specify => "spec.md",
        Plan => "plan.md",
        Tasks => "tasks.md",
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "not an agent phase"),
    };
}

public static class RunStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Queued, Running, Succeeded, Failed, Cancelled];

    public static bool IsFinal(string state) => state is Succeeded or Failed or Cancelled;
}

public static class StepStates
{
    public const string Pending = "pending";
    public const string Ready = "ready";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string Skipped = "skipped";
}

public static class AttemptStates
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string TimedOut = "timed_out";
    public const string Cancelled = "cancelled";

    /// <summary>The app running it stopped (crash, kill, lost lease) and its job could not be adopted.</summary>
    public const string Interrupted = "interrupted";
}

public static class EventKinds
{
    public const string State = "state";
    public const string Log = "log";
    public const string StdErr = "stderr";
    public const string StdOut = "stdout";
}

/// <summary>Why a run stops before finishing on its own: a person cancelled it, or it ran past its deadline.</summary>
public static class CancelReasons
{
    public const string Cancelled = "cancelled";
    public const string Timeout = "timeout";
}

public sealed class RunRow
{
    public string Id { get; init; } = "";

    public string Repository { get; init; } = "";

    public string BaseBranch { get; init; } = "";

    public string Description { get; init; } = "";

    public string Agent { get; init; } = "";

    public string Phases { get; init; } = "";

    public bool DryRun { get; init; }

    public string? IdempotencyKey { get; init; }

    public string RequestHash { get; init; } = "";

    public string State { get; init; } = "";

    public string? Error { get; init; }

    public int Rerun { get; init; }

    public bool CancelRequested { get; init; }

    public string? CancelReason { get; init; }

    public string? BaseCommit { get; init; }

    public string? FeatureDir { get; init; }

    public string? Branch { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public DateTimeOffset? DeadlineAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<string> PhaseList => Phases.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

public sealed class StepRow
{
    public string RunId { get; init; } = "";

    public string Name { get; init; } = "";

    public int Ordinal { get; init; }

    public string State { get; init; } = "";

    public int Attempts { get; init; }

    public int BudgetStart { get; init; }

    public DateTimeOffset? NotBefore { get; init; }

    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeaseExpiresAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? Error { get; init; }
}

public sealed class AttemptRow
{
    public long Id { get; init; }

    public string RunId { get; init; } = "";

    public string Step { get; init; } = "";

    public int Number { get; init; }

    public string State { get; init; } = "";

    public string Instance { get; init; } = "";

    public string? JobId { get; init; }

    public int? ExitCode { get; init; }

    public string? Error { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public DateTimeOffset? JobStartedAt { get; init; }

    public DateTimeOffset? JobFinishedAt { get; init; }
}

public sealed class EventRow
{
    public long Id { get; init; }

    public string RunId { get; init; } = "";

    public DateTimeOffset At { get; init; }

    public string Kind { get; init; } = "";

    public string? Step { get; init; }

    public int? Attempt { get; init; }

    public string Message { get; init; } = "";
}

public sealed class ArtifactRow
{
    public long Id { get; init; }

    public string RunId { get; init; } = "";

    public string? Step { get; init; }

    public string Name { get; init; } = "";

    public string ContentType { get; init; } = "";

    public long Size { get; init; }

    public string Sha256 { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }
}

public sealed class PullRequestRow
{
    public long Id { get; init; }

    public string RunId { get; init; } = "";

    public string Target { get; init; } = "";

    public string Repository { get; init; } = "";

    public long? Number { get; init; }

    public string? Url { get; init; }

    public string BaseBranch { get; init; } = "";

    public string HeadBranch { get; init; } = "";

    public string HeadCommit { get; init; } = "";

    public string Title { get; init; } = "";

    public string Body { get; init; } = "";

    public bool Draft { get; init; }

    public string State { get; init; } = "";

    public string Files { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// A step this instance holds the lease on. <see cref="TakenOver"/> means another holder's lease expired mid-step.
/// <see cref="LeaseToken"/> is this claim's own: renewals and the completion must present it.
/// </summary>
public sealed record ClaimedStep(RunRow Run, StepRow Step, int Attempt, bool TakenOver, string? PreviousInstance, string LeaseToken);
