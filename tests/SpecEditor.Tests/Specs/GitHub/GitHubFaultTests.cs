using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using SpecEditor.GitHubFake;
using SpecEditor.Tests.TestSupport;
using static SpecEditor.Tests.Specs.GitHub.GitHubStoreContractTests;

namespace SpecEditor.Tests.Specs.GitHub;

/// <summary>What happens when GitHub fails: retries where they are safe, clear errors where not, and never a duplicate or a lost change.</summary>
public sealed class GitHubFaultTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Server_errors_are_retried_and_the_save_completes_once()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        world.Fake.AddFault(new FakeFault { Method = "POST", Path = new Regex("/git/trees$"), Status = 502, Message = "Server Error", Times = 2 });

        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal([502, 502, 201], world.ApiCalls().Where(c => c.Method == "POST" && c.Path.EndsWith("/git/trees", StringComparison.Ordinal)).Select(c => c.Status));
        Assert.Equal(2, world.Repo.Branches().Count);
        Assert.Single(world.Repo.Pulls);
    }

    [Fact]
    public async Task A_request_that_times_out_is_sent_again()
    {
        await using var world = await GitHubWorld.StartAsync(new Dictionary<string, string?> { ["GH_TIMEOUT_SECONDS"] = "1" });
        world.Fake.AddFault(new FakeFault { Method = "GET", Path = new Regex("/git/trees/main$"), Delay = TimeSpan.FromSeconds(4), Replaces = false });

        var pods = await world.App.GetJsonAsync<JsonElement>("/api/pods");
        Assert.Equal(3, pods.GetProperty("pods").GetArrayLength());
        Assert.Equal([499, 200], world.ApiCalls().Where(c => c.Path.EndsWith("/git/trees/main", StringComparison.Ordinal)).Select(c => c.Status));
    }

    [Fact]
    public async Task GitHub_that_keeps_failing_gives_a_clear_error_after_the_retries()
    {
        await using var world = await GitHubWorld.StartAsync(new Dictionary<string, string?> { ["GH_ATTEMPTS"] = "3" });
        world.Fake.AddFault(new FakeFault { Method = "GET", Path = new Regex("/git/trees/main$"), Status = 503, Message = "Service Unavailable", Times = 10 });

        using var response = await world.App.Client.GetAsync("/api/pods", Cancel);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("github.unavailable", problem.GetProperty("code").GetString());
        Assert.Contains("reading the base branch", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, world.ApiCalls().Count(c => c.Path.EndsWith("/git/trees/main", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_short_secondary_rate_limit_is_waited_out_as_Retry_After_asks()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        world.Fake.AddFault(new FakeFault
        {
            Method = "POST",
            Path = new Regex("/pulls$"),
            Status = 403,
            Message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            Headers = { ["Retry-After"] = "1" },
        });

        var clock = Stopwatch.StartNew();
        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.Elapsed}");
        Assert.Equal([403, 201], world.ApiCalls().Where(c => c.Method == "POST" && c.Path.EndsWith("/pulls", StringComparison.Ordinal)).Select(c => c.Status));
        Assert.Single(world.Repo.Pulls);
    }

    [Fact]
    public async Task A_long_secondary_rate_limit_midway_is_shown_with_its_time_and_the_retry_completes_the_same_change()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        world.Fake.AddFault(new FakeFault
        {
            Method = "POST",
            Path = new Regex("/pulls$"),
            Status = 403,
            Message = "You have exceeded a secondary rate limit.",
            Headers = { ["Retry-After"] = "120" },
        });

        using var limited = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var problem = await limited.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("github.rate_limited", problem.GetProperty("code").GetString());
        Assert.Matches("try again after [0-9]{2}:[0-9]{2}:[0-9]{2} UTC", problem.GetProperty("detail").GetString());
        Assert.Empty(world.Repo.Pulls);
        var branches = world.Repo.Branches();
        Assert.Equal(2, branches.Count);

        using var retried = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(branches, world.Repo.Branches());
        Assert.Equal(branches.Single(b => b != "main"), Assert.Single(world.Repo.Pulls).Head);
    }

    [Fact]
    public async Task A_used_up_rate_limit_fails_fast_with_the_reset_time_and_spends_no_more_requests()
    {
        await using var world = await GitHubWorld.StartAsync();
        var limit = world.Fake.RateLimitOf("spec-bot");
        limit.Remaining = 0;
        limit.Reset = DateTimeOffset.UtcNow.AddMinutes(30);

        using var first = await world.App.Client.GetAsync("/api/pods", Cancel);
        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        var problem = await first.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("github.rate_limited", problem.GetProperty("code").GetString());
        Assert.Contains(limit.Reset.ToUniversalTime().ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var before = world.Fake.Calls.Count;
        using var second = await world.App.Client.GetAsync("/api/pods", Cancel);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Empty(world.ApiCalls(before));
    }

    [Fact]
    public async Task A_branch_made_by_an_attempt_whose_answer_was_lost_is_reused_not_duplicated()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        world.Fake.AddFault(new FakeFault { Method = "POST", Path = new Regex("/git/refs$"), Status = 500, AfterHandling = true });

        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var refs = world.ApiCalls().Where(c => c.Method == "POST" && c.Path.EndsWith("/git/refs", StringComparison.Ordinal)).ToArray();
        Assert.Equal([500, 422], refs.Select(c => c.Status));
        Assert.Equal(2, world.Repo.Branches().Count);
        Assert.Single(world.Repo.Pulls);
    }

    [Fact]
    public async Task A_pull_request_opened_by_an_attempt_whose_answer_was_lost_is_found_not_duplicated()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        world.Fake.AddFault(new FakeFault { Method = "POST", Path = new Regex("/pulls$"), Status = 502, AfterHandling = true });

        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("1", (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("id").GetString());
        Assert.Single(world.Repo.Pulls);
    }

    [Fact]
    public async Task When_the_pull_request_cannot_be_opened_the_saved_branch_is_completed_by_the_next_save()
    {
        await using var world = await GitHubWorld.StartAsync(new Dictionary<string, string?> { ["GH_ATTEMPTS"] = "2" });
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        world.Fake.AddFault(new FakeFault { Method = "POST", Path = new Regex("/pulls$"), Status = 500, Times = 2 });

        using var failed = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Contains("Nothing was lost", (await failed.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Meanwhile someone else changes another pod: the base moves, the retry still lands on the same branch.
        world.Repo.Commit("main", new Dictionary<string, string?> { ["specs/globex/dev/spec.yml"] = GitHubWorld.Spec("globex", "dev", "t3.small") });
        using var retried = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        var pull = Assert.Single(world.Repo.Pulls);
        Assert.Equal(2, world.Repo.Branches().Count);
        Assert.Equal([world.Repo.BranchSha("main")!], world.Repo.Objects.Commit(world.Repo.BranchSha(pull.Head)!)!.Parents);
    }

    [Fact]
    public async Task A_missing_repository_is_named_in_the_error_and_readiness_fails()
    {
        await using var world = await GitHubWorld.StartAsync(new Dictionary<string, string?> { ["GH_REPO"] = "acme/nope" });
        using var response = await world.App.Client.GetAsync("/api/pods", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("github.not_found", problem.GetProperty("code").GetString());
        Assert.Contains("acme/nope", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("GH_REPO", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var ready = await world.App.Client.GetAsync("/health/ready", Cancel);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

    [Fact]
    public async Task A_revoked_service_token_is_reported_as_bad_credentials_without_showing_it()
    {
        await using var world = await GitHubWorld.StartAsync();
        world.Fake.RevokeToken(world.ServiceToken);

        using var response = await world.App.Client.GetAsync("/api/pods", Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("github.bad_credentials", body, StringComparison.Ordinal);
        Assert.Contains("Replace GH_TOKEN", body, StringComparison.Ordinal);
        Assert.DoesNotContain(world.ServiceToken, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_without_the_repo_scope_is_told_which_scope_it_needs()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = world.ApiClient(world.Alice, "public_repo");
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);

        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("github.missing_scope", problem.GetProperty("code").GetString());
        Assert.Contains("'repo'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Branch_rules_that_refuse_the_branch_are_reported_as_branch_protection()
    {
        await using var world = await GitHubWorld.StartAsync(prepare: w => w.Repo.RestrictedBranches = new Regex("^spec-editor/"));
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);

        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("github.branch_protected", problem.GetProperty("code").GetString());
        Assert.Contains("Repository rule violations", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["main"], world.Repo.Branches());
    }

    [Fact]
    public async Task A_user_without_write_access_gets_GitHubs_refusal()
    {
        await using var world = await GitHubWorld.StartAsync(prepare: w => w.Repo.Writers = ["bob"]);
        var alice = world.ApiClient(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);

        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("github.forbidden", problem.GetProperty("code").GetString());
        Assert.Contains("denied to alice", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
