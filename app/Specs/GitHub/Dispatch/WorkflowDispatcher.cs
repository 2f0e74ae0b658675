using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Octokit;
using SpecEditor.Auth;

namespace SpecEditor.Specs.GitHub;

/// <summary>A run of a workflow as the pod page and the change page show it.</summary>
public sealed record RunView(long Id, string Name, string Status, string? Conclusion, string Url, string Event, string Branch, DateTimeOffset CreatedAt);

/// <summary>
/// Save mode <c>workflow-dispatch</c>: after the change's commit is on its branch, the deploy workflow is dispatched with the
/// configured inputs, and the run it started is recorded so the pod page and the change page can link to it. A change is open
/// while its run is queued or running, merged when the run succeeded and closed when it did not.
/// </summary>
public sealed partial class WorkflowDispatcher(
    DispatchRepository dispatches,
    IOptions<GitHubSettings> github,
    IOptions<SpecsSettings> specs,
    TimeProvider clock,
    ILogger<WorkflowDispatcher> logger)
{
    public const string IdPrefix = "dispatch-";

    /// <summary>How long a dispatch whose run could not be identified still counts as in flight.</summary>
    private static readonly TimeSpan UnidentifiedRunTimeout = TimeSpan.FromMinutes(15);

    private readonly GitHubSettings _github = github.Value;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _inputMap = github.Value.WorkflowInputMap;
    private readonly string _repository = specs.Value.GitHubRepository ?? "";
    private readonly string _baseBranch = specs.Value.BaseBranch;

    private string RepoPath => $"repos/{_repository}";

    private string Workflow => _github.Workflow ?? "";

    public static bool IsDispatchId(string id) =>
        id.StartsWith(IdPrefix, StringComparison.Ordinal) && long.TryParse(id.AsSpan(IdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out _);

    public async Task<ChangeRequest> DispatchAsync(
        ChangeProposal proposal, SignedInUser user, string branch, string baseCommit, ChangeMarker marker, GitHubCall writer, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var row = new DispatchRow
        {
            Customer = proposal.Pod.Customer,
            Environment = proposal.Pod.Environment,
            Kind = marker.Kind,
            Title = proposal.Title,
            Description = proposal.Description,
            Path = proposal.Path,
            Branch = branch,
            BaseCommit = baseCommit,
            HeadCommit = marker.Commit,
            BeforeBlob = marker.Before,
            AfterBlob = marker.After,
            AuthorLogin = user.Identity.Login,
            Workflow = Workflow,
            CreatedAt = now,
            UpdatedAt = now,
        };
        long? id;
        while ((id = await dispatches.TryInsertAsync(row, cancellationToken).ConfigureAwait(false)) is null)
        {
            if (await dispatches.FindOpenAsync(proposal.Pod, cancellationToken).ConfigureAwait(false) is { } open)
            {
                throw new DuplicateChangeException(open.ToChange());
            }

            // The open dispatch ended between the two queries: the pod's slot is free again.
        }

        var inputs = Inputs(proposal, branch, marker.Commit, baseCommit, user.Identity.Login);
        DispatchedRun? run;
        HttpStatusCode? answered = null;
        try
        {
            run = await DispatchWithRunDetailsAsync(writer, inputs, status => answered = status, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (answered is >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError || ex is GitHubRateLimitedException)
        {
            // GitHub refused the dispatch, so no run started: the pod's slot is released for the user to try again, and the
            // branch stays to be reused by that retry. After a timeout or a 5xx the workflow may have started; the slot stays
            // taken until the unidentified run times out, so a retry cannot deploy twice.
            await dispatches.DeleteAsync(id.Value).ConfigureAwait(false);
            throw;
        }
        catch (GitHubUnavailableException) when (answered >= HttpStatusCode.InternalServerError)
        {
            // The generic 5xx advice ("nothing was lost; try again") is wrong here: the workflow may be running already.
            throw new GitHubUnavailableException(
                $"GitHub failed while dispatching the {Workflow} workflow ({(int)answered}). The workflow may or may not have started: " +
                "check the workflow's runs on GitHub. The pod stays reserved until that run is found or times out, so a retry cannot deploy twice.");
        }

        run ??= await FindRunAsync(writer, user.Identity.Login, now, cancellationToken).ConfigureAwait(false);
        var url = run?.Url ?? new Uri(_github.WebBase, $"{_repository}/actions/workflows/{Uri.EscapeDataString(Workflow)}").ToString();
        var updated = clock.GetUtcNow();
        await dispatches.SetRunAsync(id.Value, run?.Id, url, updated, CancellationToken.None).ConfigureAwait(false);
        LogDispatched(logger, Workflow, proposal.Pod, run?.Id);
        return (row with { Id = id.Value, RunId = run?.Id, RunUrl = url, UpdatedAt = updated }).ToChange();
    }

    /// <summary>Dispatches still in flight, refreshed from one conditional read of the workflow's recent runs.</summary>
    public async Task<IReadOnlyList<ChangeRequest>> ListOpenAsync(GitHubCall reader, CancellationToken cancellationToken)
    {
        var open = await dispatches.ListAsync("open", 500, cancellationToken).ConfigureAwait(false);
        if (open.Count == 0)
        {
            return [];
        }

        var runs = open.Any(r => r.RunId is not null) ? await RecentRunsAsync(reader, cancellationToken).ConfigureAwait(false) : new Dictionary<long, WorkflowRun>();
        var still = new List<ChangeRequest>();
        foreach (var row in open)
        {
            var refreshed = await RefreshAsync(row, runs, reader, cancellationToken).ConfigureAwait(false);
            if (refreshed.State == "open")
            {
                still.Add(refreshed.ToChange());
            }
        }

        return still;
    }

    public async Task<IReadOnlyList<ChangeRequest>> ListAsync(ChangeState? state, int limit, CancellationToken cancellationToken)
    {
        var rows = await dispatches.ListAsync(state?.ToString().ToLowerInvariant(), limit, cancellationToken).ConfigureAwait(false);
        return rows.Select(r => r.ToChange()).ToArray();
    }

    public async Task<ChangeRequest?> GetAsync(string id, GitHubCall reader, CancellationToken cancellationToken)
    {
        var row = await RowAsync(id, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        return (await RefreshAsync(row, null, reader, cancellationToken).ConfigureAwait(false)).ToChange();
    }

    public async Task<ChangeMarker?> MarkerAsync(string id, CancellationToken cancellationToken) =>
        (await RowAsync(id, cancellationToken).ConfigureAwait(false))?.ToMarker();

    /// <summary>The pod's most recent dispatched runs with their live state.</summary>
    public async Task<IReadOnlyList<RunView>> RunsForPodAsync(PodId pod, GitHubCall reader, CancellationToken cancellationToken)
    {
        var rows = (await dispatches.ListForPodAsync(pod, 5, cancellationToken).ConfigureAwait(false)).Where(r => r.RunId is not null).ToArray();
        if (rows.Length == 0)
        {
            return [];
        }

        var runs = await RecentRunsAsync(reader, cancellationToken).ConfigureAwait(false);
        var views = new List<RunView>();
        foreach (var row in rows)
        {
            views.Add(ToView(await RunAsync(row.RunId!.Value, runs, reader, "reading a workflow run", cancellationToken).ConfigureAwait(false)));
        }

        return views;
    }

    public static RunView ToView(WorkflowRun run) => new(
        run.Id, run.DisplayTitle is { Length: > 0 } title ? title : run.Name, run.Status.StringValue, run.Conclusion?.StringValue, run.HtmlUrl, run.Event, run.HeadBranch, run.CreatedAt);

    /// <summary>A run from the recent-runs listing when it is there, else read on its own.</summary>
    private async Task<WorkflowRun> RunAsync(long runId, IReadOnlyDictionary<long, WorkflowRun>? recent, GitHubCall reader, string doing, CancellationToken cancellationToken) =>
        recent?.GetValueOrDefault(runId)
            ?? await reader.GetAsync<WorkflowRun>($"{RepoPath}/actions/runs/{runId}", null, doing, cancellationToken).ConfigureAwait(false);

    private async Task<DispatchRow?> RowAsync(string id, CancellationToken cancellationToken) =>
        IsDispatchId(id) ? await dispatches.GetAsync(long.Parse(id.AsSpan(IdPrefix.Length), CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false) : null;

    private async Task<DispatchRow> RefreshAsync(DispatchRow row, IReadOnlyDictionary<long, WorkflowRun>? recent, GitHubCall reader, CancellationToken cancellationToken)
    {
        if (row.State != "open")
        {
            return row;
        }

        string state;
        string? status = row.RunStatus;
        string? conclusion = row.RunConclusion;
        if (row.RunId is { } runId)
        {
            var run = await RunAsync(runId, recent, reader, "reading the dispatched run", cancellationToken).ConfigureAwait(false);
            status = run.Status.StringValue;
            conclusion = run.Conclusion?.StringValue;
            state = status != "completed" ? "open" : conclusion == "success" ? "merged" : "closed";
        }
        else
        {
            state = clock.GetUtcNow() - row.CreatedAt > UnidentifiedRunTimeout ? "closed" : "open";
        }

        if (state == row.State && status == row.RunStatus && conclusion == row.RunConclusion)
        {
            return row;
        }

        var now = clock.GetUtcNow();
        await dispatches.UpdateRunStateAsync(row.Id, status, conclusion, state, now, cancellationToken).ConfigureAwait(false);
        return row with { RunStatus = status, RunConclusion = conclusion, State = state, UpdatedAt = now };
    }

    private async Task<Dictionary<long, WorkflowRun>> RecentRunsAsync(GitHubCall reader, CancellationToken cancellationToken)
    {
        var query = new Dictionary<string, string> { ["event"] = "workflow_dispatch", ["per_page"] = "50" };
        var response = await reader.GetAsync<WorkflowRunsResponse>(
            $"{RepoPath}/actions/workflows/{Uri.EscapeDataString(Workflow)}/runs", query, "reading the workflow's runs", cancellationToken).ConfigureAwait(false);
        return response.WorkflowRuns.ToDictionary(r => r.Id);
    }

    /// <summary>
    /// Asks GitHub for the run it starts (<c>return_run_details</c>). Older GitHub Enterprise Servers refuse that field; then the
    /// workflow is dispatched without it and null is returned, so the run is looked up instead.
    /// </summary>
    /// <param name="failedWith">Told the status of each error GitHub answers, so the caller knows whether it refused the dispatch.</param>
    private async Task<DispatchedRun?> DispatchWithRunDetailsAsync(
        GitHubCall writer, Dictionary<string, object> inputs, Action<HttpStatusCode> failedWith, CancellationToken cancellationToken)
    {
        var path = $"{RepoPath}/actions/workflows/{Uri.EscapeDataString(Workflow)}/dispatches";
        var doing = $"dispatching the workflow {Workflow}";
        var withDetails = new Dictionary<string, object> { ["ref"] = _baseBranch, ["inputs"] = inputs, ["return_run_details"] = true };
        var refused = false;
        bool Failed(ApiException ex)
        {
            failedWith(ex.StatusCode);
            return false;
        }

        var details = await writer.TryPostAsync<DispatchRunDetails>(
            path, withDetails, doing, ex => (refused = IsRunDetailsRefusal(ex)) || Failed(ex), cancellationToken).ConfigureAwait(false);
        if (details is { WorkflowRunId: > 0 })
        {
            return new DispatchedRun(details.WorkflowRunId, details.HtmlUrl);
        }

        if (refused)
        {
            await writer.TryPostAsync<DispatchRunDetails>(
                path, new Dictionary<string, object> { ["ref"] = _baseBranch, ["inputs"] = inputs }, doing, Failed, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>The newest run of the workflow the user dispatched since the dispatch, polled briefly while GitHub creates it.</summary>
    private async Task<DispatchedRun?> FindRunAsync(GitHubCall writer, string login, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var query = new Dictionary<string, string> { ["event"] = "workflow_dispatch", ["actor"] = login, ["branch"] = _baseBranch, ["per_page"] = "10" };
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var runs = await writer.GetAsync<WorkflowRunsResponse>(
                $"{RepoPath}/actions/workflows/{Uri.EscapeDataString(Workflow)}/runs", query, "finding the dispatched run", cancellationToken).ConfigureAwait(false);

            // Clocks differ a little between GitHub and the app.
            var run = runs.WorkflowRuns.Where(r => r.CreatedAt >= since.AddSeconds(-30)).OrderByDescending(r => r.CreatedAt).FirstOrDefault();
            if (run is not null)
            {
                return new DispatchedRun(run.Id, run.HtmlUrl);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), clock, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private Dictionary<string, object> Inputs(ChangeProposal proposal, string branch, string commit, string baseCommit, string login)
    {
        var values = new Dictionary<string, string>
        {
            ["customer"] = proposal.Pod.Customer,
            ["environment"] = proposal.Pod.Environment,
            ["pod"] = proposal.Pod.ToString(),
            ["path"] = proposal.Path,
            ["branch"] = branch,
            ["commit"] = commit,
            ["base"] = baseCommit,
            ["title"] = proposal.Title,
            ["actor"] = login,
            ["changes"] = proposal.Description,
        };
        return _inputMap.ToDictionary(
            input => input.Key,
            input => (object)GitHubSettings.PlaceholderPattern().Replace(input.Value, m => values[m.Groups[1].Value]));
    }

    private static bool IsRunDetailsRefusal(ApiException exception) =>
        exception.StatusCode is HttpStatusCode.BadRequest or (HttpStatusCode)422
        && GitHubErrors.GitHubMessage(exception).Contains("return_run_details", StringComparison.Ordinal);

    private sealed record DispatchedRun(long Id, string Url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatched workflow {Workflow} for {Pod}: run {RunId}")]
    private static partial void LogDispatched(ILogger logger, string workflow, PodId pod, long? runId);
}

/// <summary>GitHub's answer to a dispatch with <c>return_run_details</c>.</summary>
public sealed class DispatchRunDetails
{
    public long WorkflowRunId { get; set; }

    public string HtmlUrl { get; set; } = "";
}
