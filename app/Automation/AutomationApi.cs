using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SpecEditor.Automation.Engine;
using SpecEditor.Automation.Store;
using SpecEditor.Web;

namespace SpecEditor.Automation;

/// <summary>The runs API under <c>/api/automation</c>: submit, list, read, cancel, retry, events (JSON and server-sent events) and artifacts.</summary>
public static class AutomationApi
{
    private static readonly TimeSpan StreamPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StreamKeepAlive = TimeSpan.FromSeconds(15);

    public static RouteGroupBuilder MapAutomationApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/automation").WithTags("Automation");
        api.MapPost("/runs", Submit).WithSummary("Submit a run of specify → plan → tasks → publish (202; Idempotency-Key header or idempotencyKey field)");
        api.MapGet("/runs", List).WithSummary("List runs, newest first, filtered by state, repository or agent, with cursor pagination");
        api.MapGet("/runs/{id}", Get).WithSummary("A run with its steps, attempts, timings, artifacts and pull request");
        api.MapPost("/runs/{id}/cancel", Cancel).WithSummary("Cancel a queued or running run; its job is stopped");
        api.MapPost("/runs/{id}/retry", Retry).WithSummary("Run a finished run again from the failed step, or from a chosen step");
        api.MapGet("/runs/{id}/events", Events).WithSummary("The run's events and log lines after an event id, as JSON");
        api.MapGet("/runs/{id}/stream", Stream).WithSummary("The run's events and live log lines as server-sent events (resumes from Last-Event-ID)");
        api.MapGet("/runs/{id}/artifacts", Artifacts).WithSummary("The run's artifacts with size and sha256");
        api.MapGet("/runs/{id}/artifacts/{**name}", Artifact).WithSummary("Download one artifact");
        api.MapGet("/agents", ListAgents).WithSummary("Configured agents: image, command, required secrets (names only) and limits");
        api.MapGet("/pulls", ListPulls).WithSummary("Draft pull requests opened by runs (the local target's change requests, and GitHub's)");
        return api;
    }

    private static async Task<Accepted<RunResponse>> Submit(
        SubmitRunRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, AutomationService automation, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        actors.RequireWriter(context);
        var (run, replayed) = await automation.SubmitAsync(request, idempotencyKey, cancellationToken).ConfigureAwait(false);
        if (replayed)
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Accepted(run.Api, run);
    }

    private static async Task<Ok<RunListResponse>> List(string? state, string? repository, string? agent, string? cursor, int? limit, AutomationService automation, CancellationToken cancellationToken) =>
        TypedResults.Ok(await automation.ListAsync(new RunFilter(Blank(state), Blank(repository), Blank(agent)), Blank(cursor), limit ?? 50, cancellationToken).ConfigureAwait(false));

    private static async Task<Ok<RunResponse>> Get(string id, AutomationService automation, CancellationToken cancellationToken) =>
        TypedResults.Ok(await automation.GetAsync(id, cancellationToken).ConfigureAwait(false));

    private static async Task<Ok<RunResponse>> Cancel(string id, AutomationService automation, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        actors.RequireWriter(context);
        return TypedResults.Ok(await automation.CancelAsync(id, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Accepted<RunResponse>> Retry(string id, RetryRunRequest? request, AutomationService automation, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        actors.RequireWriter(context);
        var run = await automation.RetryAsync(id, request?.FromStep, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted(run.Api, run);
    }

    private static async Task<Ok<IReadOnlyList<EventResponse>>> Events(string id, long? after, int? limit, AutomationService automation, CancellationToken cancellationToken)
    {
        await automation.GetStateAsync(id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(await automation.GetEventsAsync(id, after ?? 0, Math.Clamp(limit ?? 500, 1, 5000), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Server-sent events: every event after Last-Event-ID (or ?after=), then new ones as they are written, from this instance
    /// (woken at once) or another (seen within a second). Ends with an <c>end</c> event once the run has finished.
    /// </summary>
    private static async Task Stream(string id, long? after, AutomationService automation, RunNotifier notifier, HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var state = await automation.GetStateAsync(id, cancellationToken).ConfigureAwait(false);
        var last = after ?? 0;
        if (long.TryParse(context.Request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out var resume))
        {
            last = resume;
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.WriteAsync("retry: 2000\n\n", cancellationToken).ConfigureAwait(false);
        var lastWrite = DateTimeOffset.UtcNow;
        using var watch = notifier.WatchEvents(id);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var woken = watch.NextAsync();
                var events = await automation.GetEventsAsync(id, last, 500, cancellationToken).ConfigureAwait(false);
                foreach (var e in events)
                {
                    await response.WriteAsync($"id: {e.Id.ToString(CultureInfo.InvariantCulture)}\nevent: {e.Kind}\ndata: {JsonSerializer.Serialize(e, AutomationJsonContext.Default.EventResponse).ReplaceLineEndings(string.Empty)}\n\n", cancellationToken).ConfigureAwait(false);
                    last = e.Id;
                }

                if (events.Count > 0)
                {
                    await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                    lastWrite = DateTimeOffset.UtcNow;
                    if (events.Count == 500)
                    {
                        continue;
                    }
                }

                if (RunStates.IsFinal(state) && events.Count == 0)
                {
                    await response.WriteAsync($"event: end\ndata: {{\"state\":\"{state}\"}}\n\n", cancellationToken).ConfigureAwait(false);
                    await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }

                if (DateTimeOffset.UtcNow - lastWrite > StreamKeepAlive)
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
                    await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                    lastWrite = DateTimeOffset.UtcNow;
                }

                await Task.WhenAny(woken, Task.Delay(StreamPoll, cancellationToken)).ConfigureAwait(false);
                state = await automation.GetStateAsync(id, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The viewer went away.
        }
    }

    private static async Task<Ok<IReadOnlyList<ArtifactResponse>>> Artifacts(string id, AutomationService automation, CancellationToken cancellationToken) =>
        TypedResults.Ok(await automation.ListArtifactsAsync(id, cancellationToken).ConfigureAwait(false));

    private static async Task<IResult> Artifact(string id, string name, AutomationService automation, HttpContext context, CancellationToken cancellationToken)
    {
        // Routing leaves "%2F" encoded in catch-all values; decode it so "..%2F" is judged as the ".." it means.
        var (artifact, content) = await automation.GetArtifactAsync(id, Uri.UnescapeDataString(name), cancellationToken).ConfigureAwait(false);
        var headers = context.Response.Headers;
        headers.ETag = $"\"{artifact.Sha256}\"";
        headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(artifact.Sha256))}:";

        // Built, not formatted: file names come from what the agent wrote, and may hold quotes or non-ASCII characters.
        var disposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("inline");
        disposition.SetHttpFileName(Path.GetFileName(artifact.Name));
        headers.ContentDisposition = disposition.ToString();
        return TypedResults.Bytes(content, artifact.ContentType);
    }

    private static Ok<IReadOnlyList<AgentResponse>> ListAgents(AutomationService automation) =>
        TypedResults.Ok<IReadOnlyList<AgentResponse>>(automation.Agents
            .Select(a => new AgentResponse(a.Name, a.Image, a.Command, a.Secrets, automation.MissingSecrets(a), a.MemoryMb, a.Cpus, a.Pids)).ToArray());

    private static async Task<Ok<IReadOnlyList<PullRequestResponse>>> ListPulls(string? state, int? limit, AutomationService automation, CancellationToken cancellationToken) =>
        TypedResults.Ok(await automation.ListPullRequestsAsync(Blank(state), limit ?? 100, cancellationToken).ConfigureAwait(false));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
