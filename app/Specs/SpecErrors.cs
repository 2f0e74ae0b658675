using SpecEditor.Hosting;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace SpecEditor.Specs;

public sealed class PodNotFoundException(PodId pod)
    : AppException("pod.not_found", Status404NotFound, $"There is no pod {pod}.")
{
    public PodId Pod { get; } = pod;
}

public sealed class PodExistsException(PodId pod)
    : AppException("pod.exists", Status409Conflict, $"The pod {pod} already exists.")
{
    public PodId Pod { get; } = pod;
}

public sealed class ChangeNotFoundException(string id)
    : AppException("change.not_found", Status404NotFound, $"There is no change {id}.");

/// <summary>The spec changed after the user loaded it. Carries what it is now, so the user can see what changed.</summary>
public sealed class SpecConflictException(PodId pod, string? expectedBlobSha, string? currentBlobSha)
    : AppException("spec.conflict", Status409Conflict, $"The spec of {pod} changed since you loaded it; nothing was saved.")
{
    public PodId Pod { get; } = pod;

    public string? ExpectedBlobSha { get; } = expectedBlobSha;

    public string? CurrentBlobSha { get; } = currentBlobSha;

    /// <summary>Unified diff from the version the user loaded to the current one; filled in by the service.</summary>
    public string? Diff { get; init; }
}

public sealed class DuplicateChangeException(ChangeRequest existing)
    : AppException("change.duplicate", Status409Conflict, $"The pod {existing.Pod} already has an open change ({existing.Id}); update or close it first.")
{
    public ChangeRequest Existing { get; } = existing;
}

public sealed class ChangeStateException(string id, ChangeState state)
    : AppException("change.not_open", Status409Conflict, $"Change {id} is {state.ToString().ToLowerInvariant()}, not open.");

public sealed class MergeConflictException(string id)
    : AppException("change.merge_conflict", Status409Conflict, $"Change {id} conflicts with the base branch; close it and make the change again.");

public sealed class NoChangesException(PodId pod)
    : AppException("change.no_op", Status422UnprocessableEntity, $"Nothing to save: the values for {pod} are the same as in the file.");

public sealed class InvalidSpecException(IReadOnlyList<Schema.ValidationError> errors)
    : AppException("spec.invalid", Status422UnprocessableEntity, "The values break the spec schema: " + string.Join("; ", errors))
{
    public IReadOnlyList<Schema.ValidationError> Errors { get; } = errors;
}

public sealed class InvalidPodNameException(IReadOnlyList<Schema.ValidationError> errors)
    : AppException("pod.invalid_name", Status400BadRequest, "The pod name is not valid: " + string.Join("; ", errors))
{
    public IReadOnlyList<Schema.ValidationError> Errors { get; } = errors;
}

/// <summary>The pod's file cannot be read as YAML, is too large, or is not a mapping; only that pod is affected.</summary>
public sealed class UnreadableSpecException(PodId pod, string reason)
    : AppException("spec.unreadable", Status422UnprocessableEntity, $"The spec of {pod} cannot be read: {reason}")
{
    public string Reason { get; } = reason;
}

public sealed class InvalidSchemaException(string reason)
    : AppException("schema.invalid", Status422UnprocessableEntity, $"The repository's spec schema is invalid: {reason}");

public sealed class StoreUnavailableException(string message, Exception? inner = null)
    : AppException("store.unavailable", Status503ServiceUnavailable, message)
{
    public Exception? Cause { get; } = inner;
}
