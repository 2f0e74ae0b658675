using System.Net;
using Microsoft.Data.Sqlite;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Specs.Local;

/// <summary>The local store's change requests: merge, close, history and restarts, checked with the real git CLI.</summary>
public sealed class LocalGitStoreTests : IAsyncLifetime
{
    private const string AcmeDev = "specs/acme/dev/spec.yml";
    private readonly TempDirectory _data = new("spec-editor-local");
    private TestApp _app = null!;
    private GitCli _git = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await TestApp.StartAsync(dataDir: _data.Path);
        _git = new GitCli(_app.RepositoryPath);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public void The_first_run_creates_a_bare_repository_with_sample_pods()
    {
        Assert.Equal("true", _git.Run("rev-parse", "--is-bare-repository").Trim());
        var files = _git.Run("ls-tree", "-r", "--name-only", "main").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("specs/acme/prd/spec.yml", files);
        Assert.True(files.Count(f => f.EndsWith("/spec.yml", StringComparison.Ordinal)) >= 6);
        Assert.Equal(4, files.Where(f => f.StartsWith("specs/", StringComparison.Ordinal)).Select(f => f.Split('/')[1]).Distinct().Count());
    }

    [Fact]
    public async Task Merging_a_change_puts_its_commit_on_the_base_branch()
    {
        var id = await OpenChangeAsync("t3.large");

        var (status, merged) = await _app.Client.PostJsonAsync($"/api/changes/{id}/merge", null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("merged", merged.Str("state"));
        Assert.Contains("instance_type: t3.large", _git.Show("main", AcmeDev), StringComparison.Ordinal);
        var (_, pod) = await _app.Client.GetJsonAsync("/api/pods/acme/dev");
        Assert.Equal(_git.Run("rev-parse", $"main:{AcmeDev}").Trim(), pod.Str("version"));
        Assert.False(pod.TryGetProperty("openChange", out _));
        var (_, history) = await _app.Client.GetJsonAsync("/api/pods/acme/dev/history");
        Assert.Equal(2, history.GetArrayLength());
    }

    [Fact]
    public async Task Merging_after_an_unrelated_commit_makes_a_merge_commit_that_keeps_both()
    {
        var id = await OpenChangeAsync("t3.large");
        _git.CommitFile("specs/globex/dev/spec.yml", _git.Show("main", "specs/globex/dev/spec.yml") + "# reviewed\n");

        var (status, _) = await _app.Client.PostJsonAsync($"/api/changes/{id}/merge", null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, _git.Run("cat-file", "-p", "main").Split('\n').Count(l => l.StartsWith("parent ", StringComparison.Ordinal)) + 1);
        Assert.Contains("instance_type: t3.large", _git.Show("main", AcmeDev), StringComparison.Ordinal);
        Assert.EndsWith("# reviewed\n", _git.Show("main", "specs/globex/dev/spec.yml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_that_conflicts_with_the_base_branch_is_not_merged()
    {
        var id = await OpenChangeAsync("t3.large");
        var outside = _git.CommitFile(AcmeDev, _git.Show("main", AcmeDev).Replace("t3.small", "t3.micro", StringComparison.Ordinal));

        var (status, problem) = await _app.Client.PostJsonAsync($"/api/changes/{id}/merge", null);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("change.merge_conflict", problem.Code());
        Assert.Equal(outside, _git.Head());
        var (_, change) = await _app.Client.GetJsonAsync($"/api/changes/{id}");
        Assert.Equal("open", change.Str("state"));
    }

    [Fact]
    public async Task Closing_a_change_frees_the_pod_for_a_new_one_and_finished_changes_stay_finished()
    {
        var id = await OpenChangeAsync("t3.large");

        var (status, closed) = await _app.Client.PostJsonAsync($"/api/changes/{id}/close", null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("closed", closed.Str("state"));
        Assert.DoesNotContain("t3.large", _git.Show("main", AcmeDev), StringComparison.Ordinal);
        var (againStatus, again) = await _app.Client.PostJsonAsync($"/api/changes/{id}/merge", null);
        Assert.Equal(HttpStatusCode.Conflict, againStatus);
        Assert.Equal("change.not_open", again.Code());
        await OpenChangeAsync("t3.medium");
    }

    [Fact]
    public async Task Changes_and_the_repository_survive_a_restart()
    {
        var id = await OpenChangeAsync("t3.large");
        var head = _git.Head();
        await _app.DisposeAsync();

        _app = await TestApp.StartAsync(dataDir: _data.Path);

        Assert.Equal(head, new GitCli(_app.RepositoryPath).Head());
        var (_, change) = await _app.Client.GetJsonAsync($"/api/changes/{id}");
        Assert.Equal("open", change.Str("state"));
        Assert.Contains("+    instance_type: t3.large", change.Str("diff"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_left_half_written_by_a_crash_is_removed_on_start()
    {
        await _app.DisposeAsync();
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_data.Path, "spec-editor.db")}"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO change_requests (customer, environment, kind, title, description, branch, base_commit, head_commit, author_name, author_email, state, created_at, updated_at)
                VALUES ('acme', 'dev', 'edit', 'crashed', '', '', 'x', NULL, 'a', 'a@b', 'open', '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z')
                """;
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        _app = await TestApp.StartAsync(dataDir: _data.Path);

        await OpenChangeAsync("t3.large");
    }

    private async Task<string> OpenChangeAsync(string instanceType)
    {
        var version = await _app.Client.VersionAsync("acme/dev");
        var (status, change) = await _app.Client.PostJsonAsync("/api/pods/acme/dev/changes", new { version, values = new Dictionary<string, object> { ["spec.compute.instance_type"] = instanceType } });
        Assert.Equal(HttpStatusCode.Created, status);
        return change.Str("id");
    }
}
