using SpecEditor.Hosting;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace SpecEditor.Automation;

/// <summary>A run request the engine cannot accept: unknown agent, bad repository, oversized description, bad phases.</summary>
public sealed class AutomationRequestException(string code, string message, int statusCode = Status400BadRequest)
    : AppException(code, statusCode, message);

public sealed class RunNotFoundException(string id)
    : AppException("automation.run_not_found", Status404NotFound, $"There is no run {id}.");

public sealed class ArtifactNotFoundException(string runId, string name)
    : AppException("automation.artifact_not_found", Status404NotFound, $"Run {runId} has no artifact '{name}' (artifacts are kept for a limited time).");

/// <summary>The operation does not fit the run's state, e.g. cancelling a finished run or retrying a running one.</summary>
public sealed class RunStateException(string id, string state, string message)
    : AppException("automation.run_state", Status409Conflict, $"Run {id} is {state}: {message}");

/// <summary>The idempotency key was used before for a different request.</summary>
public sealed class IdempotencyConflictException(string key, string existingRunId)
    : AppException("automation.idempotency_conflict", Status409Conflict, $"The idempotency key '{key}' was used for run {existingRunId} with a different request.");

/// <summary>A step failed in a way a retry cannot fix (a missing secret, a bad image reference, a repository that does not exist).</summary>
public sealed class PermanentStepException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A step failed in a way a retry may fix (the agent exited non-zero, a network error).</summary>
public sealed class TransientStepException(string message, Exception? inner = null) : Exception(message, inner);
