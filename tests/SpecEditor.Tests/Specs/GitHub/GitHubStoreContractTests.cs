using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
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

    internal static object Edit(JsonElement pod, string instanceType) => new
    {
        version = pod.GetProperty("version").GetString(),
        values = new Dictionary<string, string> { ["spec.compute.instance_type"] = instanceType },
    };

    internal static string? Field(JsonElement pod, string path) =>
        pod.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("path").GetString() == path).GetProperty("value").GetString();
}
