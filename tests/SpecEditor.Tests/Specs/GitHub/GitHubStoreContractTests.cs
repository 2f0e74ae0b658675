using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SpecEditor.GitHubFake;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Specs.GitHub;

/// <summary>The GitHub store against the fake GitHub, through the app's real HTTP API: what users and GitHub both see.</summary>
public sealed class GitHubStoreContractTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dashboard_reads_the_base_branch_tree_once_and_the_open_pull_requests_once_then_only_revalidates()
    {
        await using var world = await GitHubWorld.StartAsync();

        var cold = await world.App.GetJsonAsync<JsonElement>("/api/pods");
        Assert.Equal(["acme/dev", "acme/prd", "globex/dev"], cold.GetProperty("pods").EnumerateArray().Select(p => $"{p.GetProperty("customer")}/{p.GetProperty("environment")}").Order());
        var coldCalls = world.ApiCalls();
        Assert.Equal(2, coldCalls.Count);
        Assert.Contains(coldCalls, c => c.Path == "/repos/acme/specs/git/trees/main" && c.Query.Contains("recursive=1", StringComparison.Ordinal) && c.Status == 200);
        Assert.Contains(coldCalls, c => c.Path == "/repos/acme/specs/pulls" && c.Query.Contains("state=open", StringComparison.Ordinal) && c.Status == 200);
        Assert.All(coldCalls, c => Assert.Equal("spec-bot", c.Login));

        var before = world.Fake.Calls.Count;
        var remaining = world.Fake.RateLimitOf("spec-bot").Remaining;
        var warm = await world.App.GetJsonAsync<JsonElement>("/api/pods");
        Assert.Equal(cold.GetProperty("commit").GetString(), warm.GetProperty("commit").GetString());
        var warmCalls = world.ApiCalls(before);
        Assert.Equal(2, warmCalls.Count);
        Assert.All(warmCalls, c => Assert.True(c.Conditional && c.Status == 304, c.ToString()));
        Assert.Equal(remaining, world.Fake.RateLimitOf("spec-bot").Remaining);
    }

    [Fact]
    public async Task Opening_a_pod_reads_its_blob_once_and_never_again()
    {
        await using var world = await GitHubWorld.StartAsync();
        await world.App.GetJsonAsync<JsonElement>("/api/pods");

        var before = world.Fake.Calls.Count;
        var pod = await world.App.GetJsonAsync<JsonElement>("/api/pods/acme/dev");
        Assert.Equal("t3.small", Field(pod, "spec.compute.instance_type"));
        Assert.Equal(world.Repo.BlobSha("main", "specs/acme/dev/spec.yml"), pod.GetProperty("version").GetString());
        var reads = world.ApiCalls(before).Where(c => !c.Conditional).ToArray();
        Assert.Equal(["/repos/acme/specs/git/blobs/" + pod.GetProperty("version").GetString()], reads.Select(c => c.Path));

        before = world.Fake.Calls.Count;
        await world.App.GetJsonAsync<JsonElement>("/api/pods/acme/dev");
        Assert.DoesNotContain(world.ApiCalls(before), c => !c.Conditional);
    }

    [Fact]
    public async Task Saving_makes_one_commit_on_a_new_branch_as_the_user_and_opens_a_pull_request_that_summarises_the_change()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = await world.SignInAsync(world.Alice);
        var baseCommit = world.Repo.BranchSha("main")!;
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);

        var before = world.Fake.Calls.Count;
        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var change = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);

        var writes = world.ApiCalls(before).Where(c => c.IsWrite).ToArray();
        Assert.Equal(
            ["POST /repos/acme/specs/git/blobs", "POST /repos/acme/specs/git/trees", "POST /repos/acme/specs/git/commits", "POST /repos/acme/specs/git/refs", "POST /repos/acme/specs/pulls"],
            writes.Select(c => $"{c.Method} {c.Path}"));
        Assert.All(writes, c => Assert.Equal("alice", c.Login));

        var branch = change.GetProperty("branch").GetString()!;
        Assert.StartsWith("spec-editor/acme/dev/", branch, StringComparison.Ordinal);
        var head = world.Repo.Objects.Commit(world.Repo.BranchSha(branch)!)!;
        Assert.Equal([baseCommit], head.Parents);
        Assert.Equal("alice", head.AuthorLogin);
        Assert.Equal(baseCommit, world.Repo.BranchSha("main"));
        Assert.Equal(GitHubWorld.Spec("acme", "dev").Replace("instance_type: t3.small", "instance_type: t3.large", StringComparison.Ordinal), world.Repo.ReadFile(branch, "specs/acme/dev/spec.yml"));

        var pull = Assert.Single(world.Repo.Pulls);
        Assert.Equal(pull.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), change.GetProperty("id").GetString());
        Assert.Equal("main", pull.Base);
        Assert.Equal("alice", pull.Author.Login);
        Assert.Contains("spec.compute.instance_type: t3.small → t3.large", pull.Body, StringComparison.Ordinal);
        Assert.Contains("/pods/acme/dev) · proposed by @alice", pull.Body, StringComparison.Ordinal);
        Assert.EndsWith($"/acme/specs/pull/{pull.Number}", change.GetProperty("externalUrl").GetString(), StringComparison.Ordinal);

        // Nothing stale: the dashboard and the pod show the new pull request at once.
        var pods = await alice.GetFromJsonAsync<JsonElement>("/api/pods", Cancel);
        var listed = pods.GetProperty("pods").EnumerateArray().Single(p => p.GetProperty("customer").GetString() == "acme" && p.GetProperty("environment").GetString() == "dev");
        Assert.Equal(change.GetProperty("id").GetString(), listed.GetProperty("openChange").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_spec_changed_on_GitHub_since_it_was_read_is_a_conflict_with_the_diff_and_nothing_is_written()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = await world.SignInAsync(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        world.Repo.Commit("main", new Dictionary<string, string?> { ["specs/acme/dev/spec.yml"] = GitHubWorld.Spec("acme", "dev", "t3.medium") }, "Resize outside the app");

        var before = world.Fake.Calls.Count;
        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("spec.conflict", problem.GetProperty("code").GetString());
        Assert.Equal(world.Repo.BlobSha("main", "specs/acme/dev/spec.yml"), problem.GetProperty("currentVersion").GetString());
        Assert.Contains("+    instance_type: t3.medium", problem.GetProperty("diff").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(world.ApiCalls(before), c => c.IsWrite);
        Assert.Equal(["main"], world.Repo.Branches());
        Assert.Empty(world.Repo.Pulls);
    }

    [Fact]
    public async Task A_pod_with_an_open_pull_request_refuses_a_second_one_and_points_to_the_first()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = await world.SignInAsync(world.Alice);
        var bob = await world.SignInAsync(world.Bob);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        using var first = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        var before = world.Fake.Calls.Count;
        using var second = await bob.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "m6i.large"), Cancel);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("change.duplicate", problem.GetProperty("code").GetString());
        Assert.Equal("1", problem.GetProperty("existingChange").GetProperty("id").GetString());
        Assert.DoesNotContain(world.ApiCalls(before), c => c.IsWrite);
        Assert.Single(world.Repo.Pulls);
    }

    [Fact]
    public async Task A_save_that_changes_nothing_is_refused_without_touching_GitHub()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = await world.SignInAsync(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);

        var before = world.Fake.Calls.Count;
        using var response = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.small"), Cancel);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("change.no_op", (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());
        Assert.DoesNotContain(world.ApiCalls(before), c => c.IsWrite);
    }

    [Fact]
    public async Task Creating_a_pod_opens_a_pull_request_adding_its_spec()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = await world.SignInAsync(world.Alice);
        using var response = await alice.PostAsJsonAsync("/api/pods", new
        {
            customer = "initech",
            environment = "stg",
            values = new Dictionary<string, string> { ["spec.compute.instance_type"] = "t3.medium", ["spec.compute.instance_name"] = "initech-stg-app" },
        }, Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var change = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("create", change.GetProperty("kind").GetString());
        var spec = world.Repo.ReadFile(change.GetProperty("branch").GetString()!, "specs/initech/stg/spec.yml");
        Assert.Contains("instance_type: t3.medium", spec, StringComparison.Ordinal);
        Assert.Null(world.Repo.ReadFile("main", "specs/initech/stg/spec.yml"));
        Assert.StartsWith("Create pod initech/stg", Assert.Single(world.Repo.Pulls).Title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_the_pull_request_is_merged_on_GitHub_the_app_shows_the_new_spec_and_no_open_change()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = await world.SignInAsync(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        using var saved = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        saved.EnsureSuccessStatusCode();

        world.Repo.Merge(1);

        var after = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        Assert.Equal("t3.large", Field(after, "spec.compute.instance_type"));
        Assert.False(after.TryGetProperty("openChange", out _));
        var change = await alice.GetFromJsonAsync<JsonElement>("/api/changes/1", Cancel);
        Assert.Equal("merged", change.GetProperty("state").GetString());
        Assert.Contains("+    instance_type: t3.large", change.GetProperty("diff").GetString(), StringComparison.Ordinal);
        var merged = await alice.GetFromJsonAsync<JsonElement>("/api/changes?state=merged", Cancel);
        Assert.Equal(["1"], merged.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task The_change_list_pages_past_other_pull_requests_to_the_apps_own_stops_once_it_has_enough_and_reads_at_most_ten_pages()
    {
        await using var world = await GitHubWorld.StartAsync();
        var alice = world.ApiClient(world.Alice);
        using var first = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(await world.App.GetJsonAsync<JsonElement>("/api/pods/acme/dev"), "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        AddOtherPullRequests(world, 150);

        var before = world.Fake.Calls.Count;
        var behindOthers = await alice.GetFromJsonAsync<JsonElement>("/api/changes?state=open", Cancel);
        Assert.Equal(["1"], behindOthers.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(2, world.ApiCalls(before).Count(c => c.Path == "/repos/acme/specs/pulls"));

        using var newest = await alice.PostAsJsonAsync("/api/pods/acme/prd/changes", Edit(await world.App.GetJsonAsync<JsonElement>("/api/pods/acme/prd"), "m6i.xlarge"), Cancel);
        Assert.Equal(HttpStatusCode.Created, newest.StatusCode);
        before = world.Fake.Calls.Count;
        var one = await alice.GetFromJsonAsync<JsonElement>("/api/changes?state=open&limit=1", Cancel);
        Assert.Equal(["152"], one.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(1, world.ApiCalls(before).Count(c => c.Path == "/repos/acme/specs/pulls"));

        // Behind a thousand newer pull requests the app's changes are past the page cap: ten calls, not one per hundred.
        AddOtherPullRequests(world, 1000);
        before = world.Fake.Calls.Count;
        var capped = await alice.GetFromJsonAsync<JsonElement>("/api/changes?state=open", Cancel);
        Assert.Empty(capped.EnumerateArray());
        Assert.Equal(10, world.ApiCalls(before).Count(c => c.Path == "/repos/acme/specs/pulls"));
    }

    [Fact]
    public async Task Writes_need_a_signed_in_user_and_merging_happens_on_GitHub_not_in_the_app()
    {
        await using var world = await GitHubWorld.StartAsync();
        var pod = await world.App.GetJsonAsync<JsonElement>("/api/pods/acme/dev");

        using var anonymous = await world.App.Client.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("auth.required", (await anonymous.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());
        Assert.DoesNotContain(world.ApiCalls(), c => c.IsWrite);

        var alice = world.ApiClient(world.Alice);
        using var saved = await alice.PostAsJsonAsync("/api/pods/acme/dev/changes", Edit(pod, "t3.large"), Cancel);
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        using var merge = await alice.PostAsync("/api/changes/1/merge", null, Cancel);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, merge.StatusCode);
        Assert.Equal("open", world.Repo.Pull(1).State);
    }

    [Fact]
    public async Task The_pod_history_lists_the_commits_that_changed_its_spec_with_links()
    {
        await using var world = await GitHubWorld.StartAsync();
        world.Repo.Commit("main", new Dictionary<string, string?> { ["specs/acme/dev/spec.yml"] = GitHubWorld.Spec("acme", "dev", "t3.medium") }, "Resize acme dev");
        world.Repo.Commit("main", new Dictionary<string, string?> { ["README.md"] = "# Specs!\n" }, "Touch the readme");

        var history = await world.App.GetJsonAsync<JsonElement>("/api/pods/acme/dev/history");
        Assert.Equal(["Resize acme dev", "Seed specs"], history.EnumerateArray().Select(h => h.GetProperty("summary").GetString()));
        Assert.Contains("/acme/specs/commit/", history[0].GetProperty("url").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_service_token_reads_use_the_signed_in_users_token_and_anonymous_visitors_are_told_to_sign_in()
    {
        await using var world = await GitHubWorld.StartAsync(withServiceToken: false);
        using var anonymous = await world.App.Client.GetAsync("/api/pods", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, anonymous.StatusCode);
        Assert.Contains("cannot see it", (await anonymous.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var alice = await world.SignInAsync(world.Alice);
        var before = world.Fake.Calls.Count;
        var pods = await alice.GetFromJsonAsync<JsonElement>("/api/pods", Cancel);
        Assert.Equal(3, pods.GetProperty("pods").GetArrayLength());
        Assert.All(world.ApiCalls(before), c => Assert.Equal("alice", c.Login));

        var ready = await world.App.GetJsonAsync<JsonElement>("/health/ready");
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_a_service_token_what_one_user_read_is_not_served_to_readers_GitHub_refuses()
    {
        // Long enough that the first user's reads would still be fresh for the others if they shared them.
        await using var world = await GitHubWorld.StartAsync(new Dictionary<string, string?> { ["GH_CACHE_SECONDS"] = "300" }, withServiceToken: false);
        var alice = await world.SignInAsync(world.Alice);
        var pod = await alice.GetFromJsonAsync<JsonElement>("/api/pods/acme/dev", Cancel);
        Assert.Equal("t3.small", Field(pod, "spec.compute.instance_type"));

        // Bob's token lacks the repo scope, so GitHub hides the private repository from him; anonymous visitors cannot see it either.
        var bob = world.ApiClient(world.Bob, "read:user");
        foreach (var (client, expected) in (ValueTuple<HttpClient, string>[])[(bob, "github.missing_scope"), (world.App.Client, "github.not_found")])
        {
            foreach (var path in (string[])["/api/pods", "/api/pods/acme/dev"])
            {
                using var refused = await client.GetAsync(path, Cancel);
                var body = await refused.Content.ReadAsStringAsync(Cancel);
                Assert.False(refused.IsSuccessStatusCode, body);
                Assert.Equal(expected, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
                Assert.DoesNotContain("t3.small", body, StringComparison.Ordinal);
            }
        }

        Assert.Contains(world.ApiCalls(), c => c.Login == "bob" && c.Path == "/repos/acme/specs/git/trees/main" && c.Status == 404);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_repository_too_large_for_one_tree_read_is_read_through_its_specs_folder(bool truncatedListingReachesSpecs)
    {
        // Trees list their entries by name, so a large folder named before "specs" pushes it past the cut and one named after does not.
        var folder = truncatedListingReachesSpecs ? "wiki" : "docs";
        await using var world = await GitHubWorld.StartAsync(prepare: w =>
        {
            w.Repo.Commit("main", Enumerable.Range(0, 40).ToDictionary(i => $"{folder}/page-{i:00}.md", i => (string?)$"page {i}\n"), "Docs");
            w.Repo.TruncateTreesOver = 20;
        });

        var pods = await world.App.GetJsonAsync<JsonElement>("/api/pods");
        Assert.Equal(3, pods.GetProperty("pods").GetArrayLength());

        // Each tree is read once: the truncated base branch, the top folder only when the cut came before the specs folder, then that folder.
        var trees = world.ApiCalls().Where(c => c.Path.Contains("/git/trees/", StringComparison.Ordinal)).ToArray();
        Assert.Equal(truncatedListingReachesSpecs ? 2 : 3, trees.Length);
        Assert.Equal(trees.Length, trees.Select(c => c.Path).Distinct().Count());
        var pod = await world.App.GetJsonAsync<JsonElement>("/api/pods/globex/dev");
        Assert.Equal("t3.micro", Field(pod, "spec.compute.instance_type"));
    }

    /// <summary>Pull requests people opened on the base branch outside the app, newer than those before them.</summary>
    private static void AddOtherPullRequests(GitHubWorld world, int count)
    {
        var main = world.Repo.BranchSha("main")!;
        for (var i = 0; i < count; i++)
        {
            var number = world.Repo.Pulls.Count + 1;
            var created = DateTimeOffset.UtcNow.AddSeconds(number);
            world.Repo.Pulls.Add(new FakePull
            {
                Number = number, Id = 90_000 + number, Title = $"Unrelated {number}", Head = $"feature/{number}", Base = "main", BaseSha = main,
                Author = world.Bob, CreatedAt = created, UpdatedAt = created,
            });
        }
    }

    internal static object Edit(JsonElement pod, string instanceType) => new
    {
        version = pod.GetProperty("version").GetString(),
        values = new Dictionary<string, string> { ["spec.compute.instance_type"] = instanceType },
    };

    internal static string? Field(JsonElement pod, string path) =>
        pod.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("path").GetString() == path).GetProperty("value").GetString();
}
