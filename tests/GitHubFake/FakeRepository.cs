using System.Text;
using System.Text.RegularExpressions;

namespace SpecEditor.GitHubFake;

/// <summary>One repository of the fake: git objects, branches, pull requests, checks, workflows and their runs.</summary>
public sealed class FakeRepository
{
    private readonly FakeGitHub _server;

    internal FakeRepository(FakeGitHub server, long id, string owner, string name, string defaultBranch, bool isPrivate)
    {
        _server = server;
        Id = id;
        Owner = owner;
        Name = name;
        DefaultBranch = defaultBranch;
        Private = isPrivate;
        CreatedAt = server.Clock.GetUtcNow();
    }

    public DateTimeOffset CreatedAt { get; }

    public long Id { get; }

    public string Owner { get; }

    public string Name { get; }

    public string FullName => $"{Owner}/{Name}";

    public string DefaultBranch { get; }

    public bool Private { get; }

    public GitObjects Objects { get; } = new();

    /// <summary>Full ref name (refs/heads/main) to commit sha.</summary>
    public Dictionary<string, string> Refs { get; } = new(StringComparer.Ordinal);

    public List<FakePull> Pulls { get; } = [];

    public List<FakeCheckRun> CheckRuns { get; } = [];

    public List<FakeStatus> Statuses { get; } = [];

    public List<FakeRun> Runs { get; } = [];

    /// <summary>Workflow file name to the inputs it declares.</summary>
    public Dictionary<string, List<string>> Workflows { get; } = new(StringComparer.Ordinal);

    /// <summary>Logins that may write; null means every user with a token that has the repo scope.</summary>
    public HashSet<string>? Writers { get; set; }

    /// <summary>Branch names matching this are refused on creation, as a repository ruleset would.</summary>
    public Regex? RestrictedBranches { get; set; }

    /// <summary>Recursive tree reads with more entries than this come back truncated, as GitHub's do for huge repositories.</summary>
    public int? TruncateTreesOver { get; set; }

    /// <summary>False mimics GitHub Enterprise Server versions that refuse <c>return_run_details</c>.</summary>
    public bool SupportsRunDetails { get; set; } = true;

    public string? BranchSha(string branch) => Refs.GetValueOrDefault("refs/heads/" + branch);

    /// <summary>Commits files (path to text; null deletes) onto a branch as if pushed from outside the app. Returns the commit sha.</summary>
    public string Commit(string branch, IReadOnlyDictionary<string, string?> files, string message = "Update specs", string author = "octo")
    {
        lock (_server.Gate)
        {
            var parent = BranchSha(branch);
            var tree = parent is null ? new Dictionary<string, (string, string)>(StringComparer.Ordinal) : Objects.Flatten(Objects.Commit(parent)!.Tree);
            foreach (var (path, text) in files)
            {
                if (text is null)
                {
                    tree.Remove(path);
                }
                else
                {
                    tree[path] = ("100644", Objects.AddBlob(Encoding.UTF8.GetBytes(text)));
                }
            }

            var now = _server.Clock.GetUtcNow();
            var sha = Objects.AddCommit(Objects.BuildTree(tree), parent is null ? [] : [parent], message, author, $"{author}@example.com", now, author);
            Refs["refs/heads/" + branch] = sha;
            return sha;
        }
    }

    /// <summary>A file's text at a branch or commit, or null.</summary>
    public string? ReadFile(string branchOrSha, string path)
    {
        lock (_server.Gate)
        {
            var commit = Objects.Commit(BranchSha(branchOrSha) ?? branchOrSha);
            if (commit is null || !Objects.Flatten(commit.Tree).TryGetValue(path, out var file))
            {
                return null;
            }

            return Encoding.UTF8.GetString(Objects.Blob(file.Sha)!);
        }
    }

    public string? BlobSha(string branch, string path)
    {
        lock (_server.Gate)
        {
            var sha = BranchSha(branch);
            return sha is null ? null : Objects.Flatten(Objects.Commit(sha)!.Tree).GetValueOrDefault(path).Sha;
        }
    }

    public IReadOnlyList<string> Branches()
    {
        lock (_server.Gate)
        {
            return Refs.Keys.Where(r => r.StartsWith("refs/heads/", StringComparison.Ordinal)).Select(r => r["refs/heads/".Length..]).Order(StringComparer.Ordinal).ToArray();
        }
    }

    public FakePull Pull(int number)
    {
        lock (_server.Gate)
        {
            return Pulls.Single(p => p.Number == number);
        }
    }

    /// <summary>Merges a pull request as GitHub's merge button would: a merge commit on the base branch.</summary>
    public void Merge(int number, string merger = "octo")
    {
        lock (_server.Gate)
        {
            var pull = Pulls.Single(p => p.Number == number);
            var head = BranchSha(pull.Head)!;
            var baseSha = BranchSha(pull.Base)!;
            var merged = Objects.Flatten(Objects.Commit(baseSha)!.Tree);
            var headFiles = Objects.Flatten(Objects.Commit(head)!.Tree);
            var parentFiles = Objects.Flatten(Objects.Commit(Objects.Commit(head)!.Parents[0])!.Tree);
            foreach (var (path, file) in headFiles.Where(f => !parentFiles.TryGetValue(f.Key, out var before) || before != f.Value))
            {
                merged[path] = file;
            }

            var now = _server.Clock.GetUtcNow();
            var sha = Objects.AddCommit(Objects.BuildTree(merged), [baseSha, head], $"Merge pull request #{number} from {Owner}/{pull.Head}", merger, $"{merger}@example.com", now, merger);
            Refs["refs/heads/" + pull.Base] = sha;
            pull.State = "closed";
            pull.MergedAt = now;
            pull.ClosedAt = now;
            pull.UpdatedAt = now;
            pull.MergeCommitSha = sha;
        }
    }

    public void AddReview(int number, string login, string state)
    {
        lock (_server.Gate)
        {
            var pull = Pulls.Single(p => p.Number == number);
            pull.Reviews.Add(new FakeReview(_server.NextId(), login, state, _server.Clock.GetUtcNow()));
            pull.UpdatedAt = _server.Clock.GetUtcNow();
        }
    }

    public void AddCheckRun(string sha, string name, string status, string? conclusion)
    {
        lock (_server.Gate)
        {
            CheckRuns.Add(new FakeCheckRun(_server.NextId(), sha, name, status, conclusion, _server.Clock.GetUtcNow()));
        }
    }

    public void AddStatus(string sha, string context, string state, string? targetUrl = null)
    {
        lock (_server.Gate)
        {
            Statuses.Add(new FakeStatus(_server.NextId(), sha, context, state, targetUrl, _server.Clock.GetUtcNow()));
        }
    }

    public FakeRun AddRun(string workflow, string branch, string @event, string actor, string status = "queued", string? conclusion = null)
    {
        lock (_server.Gate)
        {
            var now = _server.Clock.GetUtcNow();
            var run = new FakeRun
            {
                Id = _server.NextId(),
                Name = Path.GetFileNameWithoutExtension(workflow),
                Workflow = workflow,
                Branch = branch,
                HeadSha = BranchSha(branch) ?? "",
                Event = @event,
                Actor = actor,
                Status = status,
                Conclusion = conclusion,
                CreatedAt = now,
                UpdatedAt = now,
                RunNumber = Runs.Count + 1,
            };
            Runs.Add(run);
            return run;
        }
    }

    public void CompleteRun(long id, string conclusion)
    {
        lock (_server.Gate)
        {
            var run = Runs.Single(r => r.Id == id);
            run.Status = "completed";
            run.Conclusion = conclusion;
            run.UpdatedAt = _server.Clock.GetUtcNow();
        }
    }

    public void AddWorkflow(string file, params string[] inputs)
    {
        lock (_server.Gate)
        {
            Workflows[file] = [.. inputs];
        }
    }
}
