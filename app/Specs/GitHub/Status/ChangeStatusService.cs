using Microsoft.Extensions.Options;
using Octokit;
using SpecEditor.Auth;
using SpecEditor.Hosting;

namespace SpecEditor.Specs.GitHub;

public sealed record CheckView(string Name, string State, string? Url);

public sealed record ReviewView(string Reviewer, string State, string? Url);

public sealed record PullRequestView(
    ChangeRequest Change,
    int Number,
    bool Draft,
    string ReviewState,
    IReadOnlyList<ReviewView> Reviews,
    IReadOnlyList<string> WaitingFor,
    string ChecksState,
    IReadOnlyList<CheckView> Checks);

/// <summary>What the pod page shows from GitHub: its pull request (state, reviews, checks), recent workflow runs, and who may save.</summary>
public sealed record PodStatusView(
    PodId Pod,
    PullRequestView? PullRequest,
    IReadOnlyList<RunView> Runs,
    string? Problem,
    GitHubIdentity? User,
    EnvironmentRule? Protection,
    bool MayChange,
    SaveMode SaveMode);

/// <summary>
/// Live state of a pod's change on GitHub, read when the pod page is shown. Every read is conditional, so an unchanged pull
/// request costs 304s, which GitHub does not count against the rate limit. A GitHub failure becomes a line on the page, not an error.
/// </summary>
public sealed class ChangeStatusService(
    GitHubStore store,
    WorkflowDispatcher dispatcher,
    AccessPolicy access,
    IOptions<GitHubSettings> github,
    IHttpContextAccessor accessor)
{
    private readonly SaveMode _mode = github.Value.SaveMode;

    public async Task<PodStatusView> GetAsync(PodId pod, CancellationToken cancellationToken)
    {
        var user = accessor.HttpContext is { } context ? GitHubIdentity.FromPrincipal(context.User) : null;
        var protection = access.RuleFor(pod.Environment);
        var mayChange = user is not null && access.MayChange(user, pod);
        PullRequestView? pull = null;
        IReadOnlyList<RunView> runs = [];
        string? problem = null;
        try
        {
            var reader = await store.ReaderAsync().ConfigureAwait(false);
            var change = await FindChangeAsync(pod, cancellationToken).ConfigureAwait(false);

            // The reads below do not depend on one another: the page waits for the slowest, not for their sum.
            var dispatched = dispatcher.RunsForPodAsync(pod, reader, cancellationToken);
            if (change is not null && !WorkflowDispatcher.IsDispatchId(change.Id))
            {
                var pullRead = ReadPullRequestAsync(change, reader, cancellationToken);
                var branchRuns = BranchRunsAsync(change.Branch, reader, cancellationToken);
                await Task.WhenAll(pullRead, branchRuns, dispatched).ConfigureAwait(false);
                (pull, runs) = (pullRead.Result, branchRuns.Result);
            }

            runs = [.. runs, .. await dispatched.ConfigureAwait(false)];
        }
        catch (AppException ex)
        {
            problem = ex.Message;
        }

        return new PodStatusView(pod, pull, runs.OrderByDescending(r => r.CreatedAt).Take(8).ToArray(), problem, user, protection, mayChange, _mode);
    }

    /// <summary>The pod's open change, or else its most recent one, so a merge or close just made is still shown.</summary>
    private async Task<ChangeRequest?> FindChangeAsync(PodId pod, CancellationToken cancellationToken)
    {
        var open = (await store.ListOpenChangesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(c => c.Pod == pod);
        if (open is not null || _mode == SaveMode.WorkflowDispatch)
        {
            return open;
        }

        var recent = await store.ListChangesAsync(null, 50, cancellationToken).ConfigureAwait(false);
        return recent.FirstOrDefault(c => c.Pod == pod && !WorkflowDispatcher.IsDispatchId(c.Id));
    }

    private async Task<PullRequestView> ReadPullRequestAsync(ChangeRequest change, GitHubCall reader, CancellationToken cancellationToken)
    {
        var repo = store.RepoPath;
        var reviewsRead = reader.GetAsync<List<PullRequestReview>>(
            $"{repo}/pulls/{change.Id}/reviews", new Dictionary<string, string> { ["per_page"] = "100" }, "reading reviews", cancellationToken);
        var headRead = PullWithChecksAsync();
        await Task.WhenAll(reviewsRead, headRead).ConfigureAwait(false);
        var reviews = reviewsRead.Result;
        var (pull, checks, statuses) = headRead.Result;
        var current = store.ToChange(pull, change.Pod, null) ?? change;

        // Checks and statuses belong to the head commit the pull request names now, so they wait for it; the reviews do not.
        async Task<(PullRequest, CheckRunsResponse, CombinedCommitStatus)> PullWithChecksAsync()
        {
            var read = await reader.GetAsync<PullRequest>($"{repo}/pulls/{change.Id}", null, $"reading pull request #{change.Id}", cancellationToken).ConfigureAwait(false);
            var checksRead = reader.GetAsync<CheckRunsResponse>(
                $"{repo}/commits/{read.Head.Sha}/check-runs", new Dictionary<string, string> { ["per_page"] = "50" }, "reading checks", cancellationToken);
            var statusesRead = reader.GetAsync<CombinedCommitStatus>($"{repo}/commits/{read.Head.Sha}/status", null, "reading commit statuses", cancellationToken);
            await Task.WhenAll(checksRead, statusesRead).ConfigureAwait(false);
            return (read, checksRead.Result, statusesRead.Result);
        }

        // A reviewer's latest approval or change request counts; comments do not replace either.
        var latest = reviews
            .Where(r => r.User is not null && r.State.StringValue is "APPROVED" or "CHANGES_REQUESTED" or "DISMISSED")
            .GroupBy(r => r.User.Login)
            .Select(g => g.OrderBy(r => r.SubmittedAt).Last())
            .Select(r => new ReviewView(r.User.Login, r.State.StringValue.ToLowerInvariant().Replace('_', ' '), r.HtmlUrl))
            .ToArray();
        var reviewState = latest.Any(r => r.State == "changes requested") ? "changes requested"
            : latest.Any(r => r.State == "approved") ? "approved"
            : "review required";

        var checkViews = checks.CheckRuns
            .Select(c => new CheckView(c.Name, c.Status.StringValue == "completed" ? c.Conclusion?.StringValue ?? "completed" : c.Status.StringValue, c.HtmlUrl))
            .Concat(statuses.Statuses.Select(s => new CheckView(s.Context, s.State.StringValue, s.TargetUrl)))
            .ToArray();
        var checksState = checkViews.Length == 0 ? "no checks"
            : checkViews.Any(c => c.State is "failure" or "error" or "timed_out" or "cancelled" or "action_required") ? "failing"
            : checkViews.Any(c => c.State is "queued" or "in_progress" or "pending" or "waiting" or "requested") ? "running"
            : "passing";
        var waiting = (pull.RequestedReviewers ?? []).Select(u => u.Login).Concat((pull.RequestedTeams ?? []).Select(t => "@" + t.Slug)).ToArray();
        return new PullRequestView(current, pull.Number, pull.Draft, reviewState, latest, waiting, checksState, checkViews);
    }

    private async Task<IReadOnlyList<RunView>> BranchRunsAsync(string branch, GitHubCall reader, CancellationToken cancellationToken)
    {
        var runs = await reader.GetAsync<WorkflowRunsResponse>(
            $"{store.RepoPath}/actions/runs", new Dictionary<string, string> { ["branch"] = branch, ["per_page"] = "5" }, "reading workflow runs", cancellationToken).ConfigureAwait(false);
        return runs.WorkflowRuns.Select(WorkflowDispatcher.ToView).ToArray();
    }
}
