using System.Diagnostics;
using System.Text;
using LibGit2Sharp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SpecEditor.Automation;
using SpecEditor.Automation.Agents;
using SpecEditor.Automation.Engine;
using SpecEditor.Hosting;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Automation.Engine;

/// <summary>Per-run workspaces against remotes that stall: libgit2 has no network timeout, so giving up is the workspace's job.</summary>
public sealed class WorkspaceTests : IDisposable
{
    /// <summary>How long a test waits for an operation that should give up after a second: it fails, rather than hangs, if one never does.</summary>
    private static readonly TimeSpan NoLongerThan = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _root = new("spec-editor-workspace");

    [Fact]
    public async Task A_clone_from_a_remote_that_never_answers_gives_up_when_cancelled_and_leaves_no_workspace()
    {
        using var remote = new SilentRemote();
        var workspace = NewWorkspace();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            workspace.CloneAsync("run1", remote.Url("acme/specs"), "main", "A feature", null, openToJobUser: false, cancel.Token).WaitAsync(NoLongerThan, TestContext.Current.CancellationToken));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(5));
        Assert.False(workspace.Exists("run1"));
        Assert.Empty(workspace.List());
    }

    [Fact]
    public async Task A_clone_that_gave_up_and_fails_later_leaves_the_workspace_of_the_next_clone_alone()
    {
        using var remote = new SilentRemote();
        var workspace = NewWorkspace();
        using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                workspace.CloneAsync("run1", remote.Url("acme/specs"), "main", "A feature", null, openToJobUser: false, cancel.Token).WaitAsync(NoLongerThan, TestContext.Current.CancellationToken));
        }

        var (baseCommit, featureDir) = await workspace.CloneAsync("run1", SeedRepository(), "main", "A feature", null, openToJobUser: false, TestContext.Current.CancellationToken);

        // The first clone is still blocked in its read; when the remote hangs up it fails, and libgit2 deletes its folder.
        remote.Hangup();
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        Assert.True(workspace.Exists("run1"), "the clone that gave up deleted the workspace made after it");
        Assert.True(Directory.Exists(Path.Combine(workspace.PathOf("run1"), featureDir)));
        using var repo = new Repository(workspace.PathOf("run1"));
        Assert.Equal(baseCommit, repo.Head.Tip.Sha);
        Assert.Equal(["run1"], workspace.List());
    }

    [Fact]
    public async Task A_commit_lists_each_changed_file_with_its_status_and_line_counts()
    {
        var workspace = NewWorkspace();
        var (baseCommit, featureDir) = await workspace.CloneAsync("run1", SeedRepository(), "main", "A feature", null, openToJobUser: false, TestContext.Current.CancellationToken);
        var root = workspace.PathOf("run1");
        await File.WriteAllTextAsync(Path.Combine(root, "README.md"), "# specs\nmore\nand more\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(root, featureDir, "spec.md"), "# spec\n\nbody\n", TestContext.Current.CancellationToken);

        var commit = workspace.Commit("run1", baseCommit, "speckit/test", "spec\n", new Signature("Test", "test@example.com", DateTimeOffset.UtcNow), _ => { });

        Assert.Equal(
            [new ChangedFile("README.md", "modified", 2, 0), new ChangedFile($"{featureDir}/spec.md", "added", 3, 0)],
            commit.Files.OrderBy(f => f.Path, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_push_reaches_a_remote_that_answers_and_gives_up_on_one_that_never_does_when_cancelled()
    {
        using var remote = new SilentRemote();
        var workspace = NewWorkspace();
        var seed = SeedRepository();
        var (baseCommit, featureDir) = await workspace.CloneAsync("run1", seed, "main", "A feature", null, openToJobUser: false, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(workspace.PathOf("run1"), featureDir, "spec.md"), "# spec\n", TestContext.Current.CancellationToken);
        var commit = workspace.Commit("run1", baseCommit, "speckit/test", "spec\n", new Signature("Test", "test@example.com", DateTimeOffset.UtcNow), _ => { });

        await workspace.PushAsync("run1", seed, [$"+refs/heads/{commit.Branch}:refs/heads/{commit.Branch}"], null, TestContext.Current.CancellationToken);
        using (var pushed = new Repository(seed))
        {
            Assert.Equal(commit.Sha, pushed.Branches[commit.Branch].Tip.Sha);
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            workspace.PushAsync("run1", remote.Url("acme/specs"), [$"+refs/heads/{commit.Branch}:refs/heads/{commit.Branch}"], null, cancel.Token).WaitAsync(NoLongerThan, TestContext.Current.CancellationToken));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_link_an_agent_leaves_in_the_workspace_is_committed_as_a_link_and_never_followed()
    {
        // A file of the app's own host holding a secret, which masking would rewrite if it followed the link.
        const string secret = "ghp_THEappTOKEN0000000000000000000000000001";
        var outside = _root.Write("app-data/keys.txt", $"token={secret}\n");
        var settings = Options.Create(new AutomationSettings { WorkDir = _root.File("work"), GitHubToken = secret });
        var redactor = new SecretRedactor(new AgentCatalog(settings), new SecretProvider(new ConfigurationBuilder().Build()), settings);
        var workspace = new Workspace(settings, Options.Create(new HostingSettings { DataDir = _root.Path }), redactor);
        var (baseCommit, featureDir) = await workspace.CloneAsync("run1", SeedRepository(), "main", "A feature", null, openToJobUser: false, TestContext.Current.CancellationToken);
        var link = Path.Combine(workspace.PathOf("run1"), featureDir, "notes.md");
        File.CreateSymbolicLink(link, outside);
        File.SetAttributes(outside, FileAttributes.ReadOnly);

        var masked = new List<string>();
        var commit = workspace.Commit("run1", baseCommit, "speckit/test", "spec\n", new Signature("Test", "test@example.com", DateTimeOffset.UtcNow), masked.Add);
        workspace.Delete("run1");

        Assert.Equal($"token={secret}\n", await File.ReadAllTextAsync(outside, TestContext.Current.CancellationToken));
        Assert.True(File.GetAttributes(outside).HasFlag(FileAttributes.ReadOnly), "deleting the workspace changed the mode of the link's target");
        Assert.Empty(masked);
        Assert.Contains(commit.Files, file => file.Path == $"{featureDir}/notes.md");
        File.SetAttributes(outside, FileAttributes.Normal);
    }

    public void Dispose() => _root.Dispose();

    private Workspace NewWorkspace()
    {
        var settings = Options.Create(new AutomationSettings { WorkDir = _root.File("work") });
        var redactor = new SecretRedactor(new AgentCatalog(settings), new SecretProvider(new ConfigurationBuilder().Build()), settings);
        return new Workspace(settings, Options.Create(new HostingSettings { DataDir = _root.Path }), redactor);
    }

    /// <summary>A bare repository with one commit on main, to clone from.</summary>
    private string SeedRepository()
    {
        var path = _root.File("seed.git");
        using var repo = new Repository(Repository.Init(path, isBare: true));
        var blob = repo.ObjectDatabase.CreateBlob(new MemoryStream(Encoding.UTF8.GetBytes("# specs\n")));
        var tree = repo.ObjectDatabase.CreateTree(new TreeDefinition().Add("README.md", blob, Mode.NonExecutableFile));
        var signature = new Signature("Seed", "seed@example.com", DateTimeOffset.UtcNow);
        var commit = repo.ObjectDatabase.CreateCommit(signature, signature, "seed\n", tree, [], prettifyMessage: false);
        repo.Refs.Add("refs/heads/main", commit.Id);
        repo.Refs.UpdateTarget("HEAD", "refs/heads/main");
        return path;
    }
}
