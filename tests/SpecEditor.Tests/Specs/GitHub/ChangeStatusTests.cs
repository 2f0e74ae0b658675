using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using SpecEditor.Tests.TestSupport;
using static SpecEditor.Tests.Specs.GitHub.GitHubStoreContractTests;

namespace SpecEditor.Tests.Specs.GitHub;

/// <summary>The pod page's live GitHub panel: the pull request's state, reviews and checks, and recent workflow runs, with links.</summary>
public sealed class ChangeStatusTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_pod_page_shows_the_pull_requests_state_reviews_checks_and_runs_with_links()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = await world.SignInAsync(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        using var saved = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        saved.EnsureSuccessStatusCode();
        var pull = world.Repo.Pull(1);
        var head = world.Repo.BranchSha(pull.Head)!;
        world.Repo.AddReview(1, "bob", "APPROVED");
        world.Repo.AddCheckRun(head, "build", "completed", "success");
        world.Repo.AddStatus(head, "ci/lint", "pending", "https://ci.example.com/lint");
        var run = world.Repo.AddRun("ci.yml", pull.Head, "pull_request", "alice", "in_progress");

        var page = await alice.GetStringAsync("/pods/acme/dev", Cancel);
        var panel = Section(page, "github-status");
        Assert.Matches(@"data-testid=""pr-state"">open<", panel);
        Assert.Contains($"{world.Fake.WebUrl}acme/specs/pull/1", panel, StringComparison.Ordinal);
        Assert.Matches(@"data-testid=""review-state"">approved<", panel);
        Assert.Contains("bob (approved)", panel, StringComparison.Ordinal);
        Assert.Matches(@"data-testid=""checks-state"">running<", panel);
        Assert.Contains("https://ci.example.com/lint", panel, StringComparison.Ordinal);
        Assert.Contains($"{world.Fake.WebUrl}acme/specs/actions/runs/{run.Id}", panel, StringComparison.Ordinal);
        Assert.Contains(">in_progress<", panel, StringComparison.Ordinal);

        world.Repo.AddReview(1, "carol", "CHANGES_REQUESTED");
        world.Repo.AddStatus(head, "ci/lint", "failure");
        panel = Section(await alice.GetStringAsync("/pods/acme/dev", Cancel), "github-status");
        Assert.Matches(@"data-testid=""review-state"">changes requested<", panel);
        Assert.Matches(@"data-testid=""checks-state"">failing<", panel);

        world.Repo.Merge(1);
        panel = Section(await alice.GetStringAsync("/pods/acme/dev", Cancel), "github-status");
        Assert.Matches(@"data-testid=""pr-state"">merged<", panel);
    }

    [Fact]
    public async Task An_unchanged_pull_request_costs_only_304s_when_the_pod_page_is_shown_again()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = await world.SignInAsync(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        using var saved = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        saved.EnsureSuccessStatusCode();
        await alice.GetStringAsync("/pods/acme/dev", Cancel);

        var before = world.Fake.Calls.Count;
        await alice.GetStringAsync("/pods/acme/dev", Cancel);
        var again = world.ApiCalls(before);
        Assert.NotEmpty(again);
        Assert.All(again, c => Assert.True(c.Status == 304, c.ToString()));
    }

    [Fact]
    public async Task Visitors_are_asked_to_sign_in_and_a_status_failure_is_a_line_not_an_error_page()
    {
        await using var world = await GitHubWorld.StartAsync(new Dictionary<string, string?> { ["GH_ATTEMPTS"] = "1" });
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        using var saved = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        saved.EnsureSuccessStatusCode();
        world.Fake.AddFault(new GitHubFake.FakeFault { Method = "GET", Path = new Regex("/reviews$"), Status = 500, Times = 100 });

        using var response = await world.App.Client.GetAsync("/pods/acme/dev", Cancel);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var panel = Section(await response.Content.ReadAsStringAsync(Cancel), "github-status");
        Assert.Contains("data-testid=\"sign-in-hint\"", panel, StringComparison.Ordinal);
        Assert.Contains("/auth/login?returnUrl=%2Fpods%2Facme%2Fdev", panel, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"status-problem\"", panel, StringComparison.Ordinal);
    }

    internal static string Section(string html, string testId)
    {
        var start = html.IndexOf($"data-testid=\"{testId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no {testId} on the page");
        var end = html.IndexOf("</section>", start, StringComparison.Ordinal);
        return html[start..end];
    }
}
