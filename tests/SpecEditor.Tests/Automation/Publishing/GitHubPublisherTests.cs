using System.Text;
using System.Text.Json;
using LibGit2Sharp;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation.Publishing;

/// <summary>
/// The GitHub target against a fake GitHub: clone and push over real git smart HTTP with the token, and the draft pull request
/// through the REST API (Octokit). Proves the calls and their order; GitHub's own branch protection and checks are not modelled.
/// </summary>
public sealed class GitHubPublisherTests
{
    [Fact]
    public async Task A_run_on_github_pushes_its_branch_with_the_token_opens_a_draft_pull_request_and_a_rerun_updates_it()
    {
        using var harness = await AutomationHarness.CreateAsync();
        using var root = new TempDirectory("spec-editor-fake-github");
        var bare = Path.Combine(root.Path, "octo", "specs.git");
        string baseSha;
        using (var repo = new Repository(Repository.Init(bare, isBare: true)))
        {
            var blob = repo.ObjectDatabase.CreateBlob(new MemoryStream(Encoding.UTF8.GetBytes("# specs\n")));
            var definition = new TreeDefinition().Add("README.md", blob, Mode.NonExecutableFile);
            var signature = new Signature("Seed", "seed@example.com", DateTimeOffset.UtcNow);
            var commit = repo.ObjectDatabase.CreateCommit(signature, signature, "seed\n", repo.ObjectDatabase.CreateTree(definition), [], prettifyMessage: false);
            repo.Refs.Add("refs/heads/main", commit.Id);
            repo.Refs.UpdateTarget("HEAD", "refs/heads/main");
            baseSha = commit.Sha;
        }

        var token = "ghs_" + Guid.NewGuid().ToString("N");
        await using var github = await FakeGitHub.StartAsync(root.Path, token);
        await using var app = await TestApp.StartAsync(harness.Settings(new Dictionary<string, string?>
        {
            ["GH_REPO"] = "octo/specs",
            ["GH_TOKEN"] = token,
            ["GH_API_URL"] = github.ApiUrl,
            ["GH_WEB_URL"] = github.Url.ToString().TrimEnd('/'),
        }));

        var submitted = await SubmitAsync(app.Client, "Specs on GitHub");
        var run = await AutomationHarness.WaitAsync(app.Client, submitted);

        Assert.True(run.State == "succeeded", $"{run.State}: {run.Error}");
        Assert.Equal(baseSha, run.BaseCommit);
        var pull = Assert.Single(github.Pulls.Values);
        Assert.True(pull["draft"]!.GetValue<bool>());
        var branch = $"speckit/{run.CreatedAt.UtcDateTime:yyyyMMdd}/{run.Id[..8]}";
        Assert.Equal(branch, pull["head"]!["ref"]!.GetValue<string>());
        Assert.Equal("main", pull["base"]!["ref"]!.GetValue<string>());
        Assert.Contains($"`{run.FeatureDir}/spec.md`", pull["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("github", run.PullRequest!.Target);
        Assert.Equal(1, run.PullRequest.Number);
        Assert.Equal("https://github.example/octo/specs/pull/1", run.PullRequest.Url);
        using (var repo = new Repository(bare))
        {
            Assert.Equal(run.PullRequest.HeadCommit, repo.Branches[branch].Tip.Sha);
            Assert.Equal(baseSha, Assert.Single(repo.Branches[branch].Tip.Parents).Sha);
        }

        // A rerun pushes "-r1", moves the pull request's head to the same commit and updates it: still one pull request.
        // (Identical content published within the same second is the identical commit, so wait for the update itself.)
        using var retry = await app.Client.PostAsync($"/api/automation/runs/{run.Id}/retry", JsonContent("""{"fromStep":"tasks"}"""), TestContext.Current.CancellationToken);
        Assert.True(retry.IsSuccessStatusCode);
        var rerun = await AutomationHarness.WaitAsync(app.Client, run.Id, r => r.State == "succeeded" && r.Rerun == 1 && r.PullRequest?.UpdatedAt > run.PullRequest.UpdatedAt);
        Assert.Single(github.Pulls);
        Assert.Contains("PATCH pulls/1", github.Calls);
        Assert.Equal(1, github.Calls.Count(c => c == "POST pulls"));
        using (var repo = new Repository(bare))
        {
            Assert.Equal(rerun.PullRequest!.HeadCommit, repo.Branches[branch + "-r1"].Tip.Sha);
            Assert.Equal(rerun.PullRequest.HeadCommit, repo.Branches[branch].Tip.Sha);
        }

        // The token opened every door and appears nowhere.
        var everything = new StringBuilder(JsonSerializer.Serialize(await AutomationHarness.EventsAsync(app.Client, run.Id)));
        foreach (var artifact in rerun.Artifacts!)
        {
            everything.Append(await AutomationHarness.ArtifactTextAsync(app.Client, rerun, artifact.Name));
        }

        Assert.DoesNotContain(token, everything.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_fails_the_clone_without_showing_the_token()
    {
        using var harness = await AutomationHarness.CreateAsync();
        using var root = new TempDirectory("spec-editor-fake-github");
        Repository.Init(Path.Combine(root.Path, "octo", "specs.git"), isBare: true);
        await using var github = await FakeGitHub.StartAsync(root.Path, "the-right-token");
        await using var app = await TestApp.StartAsync(harness.Settings(new Dictionary<string, string?>
        {
            ["GH_REPO"] = "octo/specs",
            ["GH_TOKEN"] = "a-wrong-token",
            ["GH_API_URL"] = github.ApiUrl,
            ["GH_WEB_URL"] = github.Url.ToString().TrimEnd('/'),
            ["AUTOMATION_MAX_ATTEMPTS"] = "1",
        }));

        var run = await AutomationHarness.WaitAsync(app.Client, await SubmitAsync(app.Client, "Wrong token"));

        Assert.Equal("failed", run.State);
        Assert.StartsWith("clone failed:", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("a-wrong-token", JsonSerializer.Serialize(run), StringComparison.Ordinal);
    }

    private static async Task<string> SubmitAsync(HttpClient client, string description)
    {
        using var response = await client.PostAsync("/api/automation/runs", JsonContent($$"""{"repository":"octo/specs","baseBranch":"main","description":"{{description}}","agent":"test"}"""), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");
}
