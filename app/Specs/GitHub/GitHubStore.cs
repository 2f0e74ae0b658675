using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Octokit;
using SpecEditor.Auth;
using SpecEditor.Hosting;
using SpecEditor.Specs.GitHub.Http;

namespace SpecEditor.Specs.GitHub;

/// <summary>
/// Specs in a GitHub repository, through Octokit. Discovery is one recursive tree read of the base branch; blobs are read by
/// sha and kept; reads of the branch and of the open pull requests are conditional, so an unchanged repository costs no rate
/// limit. A save writes blob, tree, commit and branch with the Git Data API as the signed-in user, checks the pod's blob sha
/// at the base commit first (compare-and-swap), and then opens a pull request, or dispatches the deploy workflow.
/// </summary>
/// <remarks>
/// Not <see cref="IChangeReview"/>: pull requests are merged on GitHub. Not <see cref="ILocalReads"/>: the dashboard must not
/// read every blob. The snapshot's <see cref="RepositorySnapshot.CommitSha"/> is the base branch's tree sha: the tree read by
/// branch name, which keeps a cold dashboard at two requests, does not return the commit.
/// </remarks>
public sealed partial class GitHubStore : ISpecStore
{
    private const int MaxCachedBlobs = 4096;
    private const int MaxReaders = 1024;

    /// <summary>Pages of 100 pull requests read at most for a list of changes (README, GitHub store).</summary>
    private const int MaxChangePages = 10;
    private const string SharedReader = "service";
    private static readonly TimeSpan InvisibleRecheck = TimeSpan.FromMinutes(5);
    private readonly SpecsSettings _specs;
    private readonly GitHubSettings _github;
    private readonly TimeSpan _cacheFor;
    private readonly HostingSettings _hosting;
    private readonly PodPaths _paths;
    private readonly GitHubConnections _connections;
    private readonly CurrentUser _users;
    private readonly AccessPolicy _access;
    private readonly WorkflowDispatcher _dispatcher;
    private readonly TimeProvider _clock;
    private readonly ILogger<GitHubStore> _logger;
    private readonly Dictionary<(string Reader, string Sha), byte[]> _blobs = [];
    private readonly Lock _blobLock = new();
    private readonly ReaderCache _shared = new(SharedReader);
    private readonly ConcurrentDictionary<string, ReaderCache> _byReader = new(StringComparer.Ordinal);
    private DateTimeOffset _invisibleUntil = DateTimeOffset.MinValue;

    public GitHubStore(
        IOptions<SpecsSettings> specs,
        IOptions<GitHubSettings> github,
        IOptions<HostingSettings> hosting,
        PodPaths paths,
        GitHubConnections connections,
        CurrentUser users,
        AccessPolicy access,
        WorkflowDispatcher dispatcher,
        TimeProvider clock,
        ILogger<GitHubStore> logger)
    {
        _specs = specs.Value;
        _github = github.Value;
        _cacheFor = _github.CacheFor;
        _hosting = hosting.Value;
        _paths = paths;
        _connections = connections;
        _users = users;
        _access = access;
        _dispatcher = dispatcher;
        _clock = clock;
        _logger = logger;
        Repository = _specs.GitHubRepository!;
        Owner = Repository.Split('/')[0];
        RepoPath = $"repos/{Repository}";
    }

    public string Kind => "github";

    /// <summary>owner/name.</summary>
    public string Repository { get; }

    public string Owner { get; }

    /// <summary>The REST path of the repository (<c>repos/owner/name</c>), the prefix of every call about it.</summary>
    internal string RepoPath { get; }

    private string BaseBranch => _specs.BaseBranch;

    public async ValueTask<RepositorySnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var (reader, cache) = await ReaderWithCacheAsync().ConfigureAwait(false);
        if (IsFresh(cache.Snapshot))
        {
            return cache.Snapshot!.Value;
        }

        var read = await cache.SnapshotRead.RunAsync(() => ReadSnapshotAsync(reader, cache), cancellationToken).ConfigureAwait(false);
        return read.Value;
    }

    public async Task<byte[]> ReadBlobAsync(string blobSha, CancellationToken cancellationToken)
    {
        var (reader, cache) = await ReaderWithCacheAsync().ConfigureAwait(false);
        lock (_blobLock)
        {
            if (_blobs.TryGetValue((cache.Reader, blobSha), out var cached))
            {
                return cached;
            }
        }

        var blob = await reader.GetAsync<Blob>($"{RepoPath}/git/blobs/{blobSha}", null, "reading a spec file", cancellationToken).ConfigureAwait(false);
        var bytes = blob.Encoding.StringValue == "base64" ? Convert.FromBase64String(blob.Content) : Encoding.UTF8.GetBytes(blob.Content);
        lock (_blobLock)
        {
            if (_blobs.Count >= MaxCachedBlobs)
            {
                _blobs.Clear();
            }

            _blobs[(cache.Reader, blobSha)] = bytes;
        }

        return bytes;
    }

    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(PodId pod, int limit, CancellationToken cancellationToken)
    {
        var reader = await ReaderAsync().ConfigureAwait(false);
        var query = new Dictionary<string, string>
        {
            ["sha"] = BaseBranch,
            ["path"] = _paths.SpecPath(pod),
            ["per_page"] = limit.ToString(CultureInfo.InvariantCulture),
        };
        var commits = await reader.GetAsync<List<GitHubCommit>>($"{RepoPath}/commits", query, "reading the pod's history", cancellationToken).ConfigureAwait(false);
        return commits.Select(c => new HistoryEntry(
            c.Sha,
            c.Commit.Message.Split('\n', 2)[0],
            c.Commit.Author?.Name ?? c.Author?.Login ?? "unknown",
            c.Commit.Author?.Date ?? DateTimeOffset.MinValue,
            c.HtmlUrl)).ToArray();
    }

    public async Task<ChangeRequest> ProposeAsync(ChangeProposal proposal, CancellationToken cancellationToken)
    {
        var user = await _users.RequireAsync(proposal.Author).ConfigureAwait(false);
        _access.EnsureMayChange(user.Identity, proposal.Pod);
        var (reader, cache) = await ReaderWithCacheAsync().ConfigureAwait(false);
        var writer = new GitHubCall(_connections.ForUser(user.Token), Repository, asUser: true);

        // Compare-and-swap: the pod's blob at the commit the change is built on must be the one the user edited.
        var tip = await reader.GetAsync<GitHubCommit>($"{RepoPath}/commits/{Uri.EscapeDataString(BaseBranch)}", null, "reading the base branch", cancellationToken).ConfigureAwait(false);
        var baseTree = tip.Commit.Tree.Sha;
        var current = await BlobAtAsync(baseTree, proposal, reader, cache, cancellationToken).ConfigureAwait(false);
        if (proposal.Kind == ChangeKind.Create && current is not null)
        {
            throw new PodExistsException(proposal.Pod);
        }

        if (proposal.Kind == ChangeKind.Edit && current != proposal.ExpectedBlobSha)
        {
            throw new SpecConflictException(proposal.Pod, proposal.ExpectedBlobSha, current);
        }

        var branch = ChangeBranch.Name(proposal, user.Identity.Login);
        var doing = $"saving {proposal.Pod} on branch {branch}";
        var blob = await writer.PostAsync<BlobReference>(
            $"{RepoPath}/git/blobs", new NewBlob { Content = Convert.ToBase64String(proposal.Content), Encoding = EncodingType.Base64 }, doing, cancellationToken).ConfigureAwait(false);
        var newTree = new NewTree { BaseTree = baseTree };
        newTree.Tree.Add(new NewTreeItem { Path = proposal.Path, Mode = "100644", Type = TreeType.Blob, Sha = blob.Sha });
        var tree = await writer.PostAsync<TreeResponse>($"{RepoPath}/git/trees", newTree, doing, cancellationToken).ConfigureAwait(false);
        var commit = await writer.PostAsync<Commit>(
            $"{RepoPath}/git/commits", new NewCommit($"{proposal.Title}\n\n{proposal.Description}", tree.Sha, tip.Sha), doing, cancellationToken).ConfigureAwait(false);
        var head = await CreateOrReuseBranchAsync(writer, branch, commit.Sha, tree.Sha, tip.Sha, doing, cancellationToken).ConfigureAwait(false);
        var marker = new ChangeMarker(proposal.Pod.ToString(), proposal.Kind.ToString().ToLowerInvariant(), proposal.Path, current, blob.Sha, head);

        ChangeRequest change;
        if (_github.SaveMode == SaveMode.WorkflowDispatch)
        {
            change = await _dispatcher.DispatchAsync(proposal, user, branch, tip.Sha, marker, writer, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var pull = await OpenPullRequestAsync(writer, proposal, branch, marker, cancellationToken).ConfigureAwait(false);
            change = ToChange(pull, proposal.Pod, marker)!;
        }

        // Every reader's list of open changes now lacks this one.
        _shared.Open = null;
        foreach (var readerCache in _byReader.Values)
        {
            readerCache.Open = null;
        }

        LogProposed(_logger, change.Id, proposal.Pod, user.Identity.Login, branch);
        return change;
    }

    public async ValueTask<IReadOnlyList<ChangeRequest>> ListOpenChangesAsync(CancellationToken cancellationToken)
    {
        var (reader, cache) = await ReaderWithCacheAsync().ConfigureAwait(false);
        if (IsFresh(cache.Open))
        {
            return cache.Open!.Value;
        }

        var read = await cache.OpenRead.RunAsync(() => ReadOpenChangesAsync(reader, cache), cancellationToken).ConfigureAwait(false);
        return read.Value;
    }

    public async Task<IReadOnlyList<ChangeRequest>> ListChangesAsync(ChangeState? state, int limit, CancellationToken cancellationToken)
    {
        var reader = await ReaderAsync().ConfigureAwait(false);
        var query = new Dictionary<string, string>
        {
            ["state"] = state switch { ChangeState.Open => "open", null => "all", _ => "closed" },
            ["base"] = BaseBranch,
            ["sort"] = "created",
            ["direction"] = "desc",
            ["per_page"] = "100",
        };

        // Other people's pull requests on the base branch are listed too, so the app's own may be pages down; a page cap keeps
        // a repository with thousands of them from costing unbounded calls (the oldest changes then go unlisted).
        var found = 0;
        var pulls = await reader.GetPagesAsync<PullRequest>(
            $"{RepoPath}/pulls", query, "listing pull requests", MaxChangePages,
            page => (found += page.Count(p => ToChange(p, null, null) is { } c && (state is null || c.State == state))) >= limit,
            cancellationToken).ConfigureAwait(false);
        var changes = pulls.Select(p => ToChange(p, null, null)).OfType<ChangeRequest>();
        var dispatched = await _dispatcher.ListAsync(state, limit, cancellationToken).ConfigureAwait(false);
        return changes.Concat(dispatched)
            .Where(c => state is null || c.State == state)
            .OrderByDescending(c => c.CreatedAt)
            .Take(limit)
            .ToArray();
    }

    public async Task<ChangeRequest?> GetChangeAsync(string id, CancellationToken cancellationToken)
    {
        if (WorkflowDispatcher.IsDispatchId(id))
        {
            var reader = await ReaderAsync().ConfigureAwait(false);
            return await _dispatcher.GetAsync(id, reader, cancellationToken).ConfigureAwait(false);
        }

        var pull = await ReadPullAsync(id, cancellationToken).ConfigureAwait(false);
        return pull is null ? null : ToChange(pull, null, null);
    }

    public async Task<ChangeContent?> GetChangeContentAsync(string id, CancellationToken cancellationToken)
    {
        ChangeMarker? marker;
        string? head = null;
        if (WorkflowDispatcher.IsDispatchId(id))
        {
            marker = await _dispatcher.MarkerAsync(id, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var pull = await ReadPullAsync(id, cancellationToken).ConfigureAwait(false);
            ChangeMarker.Split(pull?.Body, out marker);
            head = pull?.Head.Sha;
        }

        if (marker is null)
        {
            return null;
        }

        var before = marker.Before is null ? null : await ReadBlobAsync(marker.Before, cancellationToken).ConfigureAwait(false);
        var after = head is null || head == marker.Commit
            ? await ReadBlobAsync(marker.After, cancellationToken).ConfigureAwait(false)
            : await ReadFileAtAsync(marker.Path, head, cancellationToken).ConfigureAwait(false);
        return new ChangeContent(marker.Path, before, after);
    }

    public async Task<string> CheckAsync(CancellationToken cancellationToken)
    {
        var invisible = $"GitHub answers; {Repository} is not visible without a token, so it is read with each signed-in user's token (no GH_TOKEN)";
        if (_clock.GetUtcNow() < _invisibleUntil)
        {
            // An anonymous 404 carries no ETag, so asking again would spend the 60-an-hour anonymous limit on every probe.
            return invisible;
        }

        var reader = new GitHubCall(_connections.Service, Repository, asUser: false);
        try
        {
            var repository = await reader.GetAsync<Octokit.Repository>(RepoPath, null, "checking the repository", cancellationToken).ConfigureAwait(false);
            return $"GitHub repository {repository.FullName} answers ({(repository.Private ? "private" : "public")}, base branch {BaseBranch})";
        }
        catch (GitHubNotFoundException) when (!_connections.HasServiceToken)
        {
            // Without GH_TOKEN a private repository is invisible to the app itself; each signed-in user reads it with their token.
            _invisibleUntil = _clock.GetUtcNow() + InvisibleRecheck;
            return invisible;
        }
    }

    /// <summary>The app's pull request with this number, or null when there is none or it is not one the app made.</summary>
    internal async Task<PullRequest?> ReadPullAsync(string id, CancellationToken cancellationToken)
    {
        if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0)
        {
            return null;
        }

        var reader = await ReaderAsync().ConfigureAwait(false);
        try
        {
            var pull = await reader.GetAsync<PullRequest>($"{RepoPath}/pulls/{number}", null, $"reading pull request #{number}", cancellationToken).ConfigureAwait(false);
            return ToChange(pull, null, null) is null ? null : pull;
        }
        catch (GitHubNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Reads as the service (GH_TOKEN); without one, as the signed-in user, so private repositories still work.</summary>
    internal async Task<GitHubCall> ReaderAsync() => (await ReaderWithCacheAsync().ConfigureAwait(false)).Reader;

    /// <summary>
    /// The reader and what it has read before. With GH_TOKEN everyone reads as the app and shares one cache. Without it each
    /// token (and anonymous) has its own: what one user's access could read must not be served to someone who may lack it.
    /// </summary>
    private async Task<(GitHubCall Reader, ReaderCache Cache)> ReaderWithCacheAsync()
    {
        if (_connections.HasServiceToken)
        {
            return (new GitHubCall(_connections.Service, Repository, asUser: false), _shared);
        }

        var user = await _users.GetAsync().ConfigureAwait(false);
        var reader = user is null
            ? new GitHubCall(_connections.Service, Repository, asUser: false)
            : new GitHubCall(_connections.ForUser(user.Token), Repository, asUser: true);
        var key = user is null ? "anonymous" : RateLimitTracker.CredentialKey(user.Token);
        if (_byReader.Count >= MaxReaders && !_byReader.ContainsKey(key))
        {
            // Rare and cheap to recover from: each reader's next read is a conditional one.
            _byReader.Clear();
        }

        return (reader, _byReader.GetOrAdd(key, k => new ReaderCache(k)));
    }

    internal ChangeRequest? ToChange(PullRequest pull, PodId? knownPod, ChangeMarker? knownMarker)
    {
        // Only the app's own branches in this repository (not forks) are its changes.
        if (!ChangeBranch.TryParse(pull.Head?.Ref, _paths, out var pod) || (knownPod is { } expected && expected != pod)
            || !string.Equals(pull.Head!.Repository?.FullName, Repository, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var description = ChangeMarker.Split(pull.Body, out var marker);
        marker ??= knownMarker;
        var state = pull.MergedAt is not null ? ChangeState.Merged : pull.State.StringValue == "open" ? ChangeState.Open : ChangeState.Closed;
        return new ChangeRequest(
            pull.Number.ToString(CultureInfo.InvariantCulture),
            pod,
            marker?.ChangeKind ?? ChangeKind.Edit,
            pull.Title,
            description,
            pull.Head!.Ref,
            pull.Base?.Sha ?? "",
            pull.Head.Sha,
            pull.User?.Login ?? "unknown",
            pull.CreatedAt,
            pull.UpdatedAt,
            state,
            pull.HtmlUrl);
    }

    private bool IsFresh<T>(Fresh<T>? entry) => entry is not null && _clock.GetUtcNow() - entry.ReadAt < _cacheFor;

    private async Task<Fresh<RepositorySnapshot>> ReadSnapshotAsync(GitHubCall reader, ReaderCache cache)
    {
        var snapshot = await ReadTreeAsync(reader, BaseBranch, $"reading the base branch {BaseBranch}", cache.Snapshot?.Value, CancellationToken.None).ConfigureAwait(false);
        var fresh = new Fresh<RepositorySnapshot>(snapshot, _clock.GetUtcNow());
        cache.Snapshot = fresh;
        return fresh;
    }

    /// <summary>The specs in a tree (a branch name or a tree sha), from one recursive read; the previous snapshot when it is that tree.</summary>
    private async Task<RepositorySnapshot> ReadTreeAsync(GitHubCall reader, string tree, string doing, RepositorySnapshot? previous, CancellationToken cancellationToken)
    {
        var root = await reader.GetAsync<TreeResponse>(
            $"{RepoPath}/git/trees/{Uri.EscapeDataString(tree)}", new Dictionary<string, string> { ["recursive"] = "1" }, doing, cancellationToken).ConfigureAwait(false);
        return previous is not null && previous.CommitSha == root.Sha ? previous
            : root.Truncated ? await ReadSpecsFolderAsync(reader, root, cancellationToken).ConfigureAwait(false)
            : BuildSnapshot(root.Sha, root.Tree, prefix: "");
    }

    /// <summary>
    /// GitHub truncates recursive trees of very large repositories. Then only the specs folder is read, recursively. The
    /// truncated answer usually lists that folder already; when it stops before it, the folder is found one level at a time.
    /// </summary>
    private async Task<RepositorySnapshot> ReadSpecsFolderAsync(GitHubCall reader, TreeResponse root, CancellationToken cancellationToken)
    {
        var specsSha = root.Tree.FirstOrDefault(e => e.Path == _paths.SpecsPath && e.Type.StringValue == "tree")?.Sha;
        if (specsSha is null)
        {
            specsSha = root.Sha;
            foreach (var segment in _paths.SpecsPath.Split('/'))
            {
                var level = await reader.GetAsync<TreeResponse>(
                    $"{RepoPath}/git/trees/{specsSha}", null, "finding the specs folder", cancellationToken).ConfigureAwait(false);
                specsSha = level.Tree.FirstOrDefault(e => e.Path == segment && e.Type.StringValue == "tree")?.Sha;
                if (specsSha is null)
                {
                    return new RepositorySnapshot(root.Sha, [], null);
                }
            }
        }

        var specs = await reader.GetAsync<TreeResponse>(
            $"{RepoPath}/git/trees/{specsSha}", new Dictionary<string, string> { ["recursive"] = "1" }, "reading the specs folder", cancellationToken).ConfigureAwait(false);
        if (specs.Truncated)
        {
            throw new StoreUnavailableException($"The specs folder {_paths.SpecsPath} has more entries than GitHub returns in one tree read; split it or use a smaller SPECS_PATH.");
        }

        return BuildSnapshot(root.Sha, specs.Tree, prefix: _paths.SpecsPath + "/");
    }

    private RepositorySnapshot BuildSnapshot(string treeSha, IEnumerable<TreeItem> items, string prefix)
    {
        var pods = new List<PodEntry>();
        string? schema = null;
        foreach (var item in items.Where(i => i.Type.StringValue == "blob"))
        {
            var path = prefix + item.Path;
            if (path == _paths.SchemaPath)
            {
                schema = item.Sha;
            }
            else if (_paths.TryParseSpecPath(path, out var pod))
            {
                pods.Add(new PodEntry(pod, path, item.Sha, item.Size));
            }
        }

        return new RepositorySnapshot(treeSha, pods, schema);
    }

    /// <summary>The pod's blob at the given base tree: from the snapshot when it is that tree, otherwise from one read of it.</summary>
    private async Task<string?> BlobAtAsync(string treeSha, ChangeProposal proposal, GitHubCall reader, ReaderCache cache, CancellationToken cancellationToken)
    {
        var snapshot = cache.Snapshot?.Value;
        if (snapshot is null || snapshot.CommitSha != treeSha)
        {
            snapshot = await ReadTreeAsync(reader, treeSha, "reading the base branch", null, cancellationToken).ConfigureAwait(false);

            // The base branch has moved since the last read: what was just read is the newest state, so the dashboard shows it too.
            cache.Snapshot = new Fresh<RepositorySnapshot>(snapshot, _clock.GetUtcNow());
        }

        return snapshot.Find(proposal.Pod)?.BlobSha;
    }

    private async Task<Fresh<IReadOnlyList<ChangeRequest>>> ReadOpenChangesAsync(GitHubCall reader, ReaderCache cache)
    {
        var open = _github.SaveMode == SaveMode.WorkflowDispatch
            ? await _dispatcher.ListOpenAsync(reader, CancellationToken.None).ConfigureAwait(false)
            : await ReadOpenPullRequestsAsync(reader).ConfigureAwait(false);
        var fresh = new Fresh<IReadOnlyList<ChangeRequest>>(open, _clock.GetUtcNow());
        cache.Open = fresh;
        return fresh;
    }

    private async Task<IReadOnlyList<ChangeRequest>> ReadOpenPullRequestsAsync(GitHubCall reader)
    {
        var query = new Dictionary<string, string> { ["state"] = "open", ["base"] = BaseBranch, ["per_page"] = "100" };
        var pulls = await reader.GetAllPagesAsync<PullRequest>($"{RepoPath}/pulls", query, "listing open pull requests", maxPages: 10, CancellationToken.None).ConfigureAwait(false);

        // One per pod: if two were ever opened (two replicas racing), the older one is the pod's change.
        return pulls
            .Select(p => ToChange(p, null, null))
            .OfType<ChangeRequest>()
            .GroupBy(c => c.Pod)
            .Select(g => g.OrderBy(c => int.Parse(c.Id, CultureInfo.InvariantCulture)).First())
            .ToArray();
    }

    /// <summary>
    /// Points the change's branch at the new commit. When an earlier attempt of the same save already made the branch,
    /// it is reused if it holds the same tree on the same base, and moved to the new commit otherwise (the base moved).
    /// </summary>
    private async Task<string> CreateOrReuseBranchAsync(
        GitHubCall writer, string branch, string commit, string tree, string parent, string doing, CancellationToken cancellationToken)
    {
        var created = await writer.TryPostAsync<Reference>(
            $"{RepoPath}/git/refs", new NewReference("refs/heads/" + branch, commit), doing,
            ex => GitHubErrors.IsAlreadyExists(ex, "Reference already exists"), cancellationToken).ConfigureAwait(false);
        if (created is not null)
        {
            return commit;
        }

        var existing = await writer.GetAsync<Reference>($"{RepoPath}/git/ref/heads/{branch}", null, doing, cancellationToken).ConfigureAwait(false);
        var existingCommit = await writer.GetAsync<Commit>($"{RepoPath}/git/commits/{existing.Object.Sha}", null, doing, cancellationToken).ConfigureAwait(false);
        if (existingCommit.Tree.Sha == tree && existingCommit.Parents.Select(p => p.Sha).SequenceEqual([parent]))
        {
            LogReusedBranch(_logger, branch);
            return existingCommit.Sha;
        }

        await writer.PatchAsync<Reference>($"{RepoPath}/git/refs/heads/{branch}", new ReferenceUpdate(commit, force: true), doing).ConfigureAwait(false);
        LogMovedBranch(_logger, branch);
        return commit;
    }

    private async Task<PullRequest> OpenPullRequestAsync(GitHubCall writer, ChangeProposal proposal, string branch, ChangeMarker marker, CancellationToken cancellationToken)
    {
        var link = $"{_hosting.BaseUrl}/pods/{proposal.Pod.Customer}/{proposal.Pod.Environment}";
        var body = $"{proposal.Description.TrimEnd()}\n\n[Open {proposal.Pod} in the spec editor]({link}) · proposed by @{proposal.Author.Login}\n\n{marker.Render()}";
        var doing = $"opening the pull request for {proposal.Pod}";
        var pull = await writer.TryPostAsync<PullRequest>(
            $"{RepoPath}/pulls", new NewPullRequest(proposal.Title, branch, BaseBranch) { Body = body }, doing,
            ex => GitHubErrors.IsAlreadyExists(ex, "A pull request already exists"), cancellationToken).ConfigureAwait(false);
        if (pull is not null)
        {
            return pull;
        }

        // An earlier attempt opened it and its answer was lost: that pull request is this change.
        var query = new Dictionary<string, string> { ["state"] = "open", ["head"] = $"{Owner}:{branch}" };
        var existing = await writer.GetAsync<List<PullRequest>>($"{RepoPath}/pulls", query, doing, cancellationToken).ConfigureAwait(false);
        return existing.FirstOrDefault()
            ?? throw new GitHubRequestException($"GitHub says a pull request for {branch} exists but does not list it; try again in a moment.");
    }

    private async Task<byte[]?> ReadFileAtAsync(string path, string commit, CancellationToken cancellationToken)
    {
        var reader = await ReaderAsync().ConfigureAwait(false);
        try
        {
            var content = await reader.GetAsync<RepositoryContent>(
                $"{RepoPath}/contents/{path}", new Dictionary<string, string> { ["ref"] = commit }, "reading the change's file", cancellationToken).ConfigureAwait(false);
            return Convert.FromBase64String(content.EncodedContent);
        }
        catch (GitHubNotFoundException)
        {
            return null;
        }
    }

    private sealed record Fresh<T>(T Value, DateTimeOffset ReadAt);

    /// <summary>The base branch and open changes as one reader last read them, and the reads of them under way.</summary>
    private sealed class ReaderCache(string reader)
    {
        public string Reader => reader;

        public SingleFlight<Fresh<RepositorySnapshot>> SnapshotRead { get; } = new();

        public SingleFlight<Fresh<IReadOnlyList<ChangeRequest>>> OpenRead { get; } = new();

        public Fresh<RepositorySnapshot>? Snapshot { get; set; }

        public Fresh<IReadOnlyList<ChangeRequest>>? Open { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Proposed change {Id} for {Pod} by {Login} on {Branch}")]
    private static partial void LogProposed(ILogger logger, string id, PodId pod, string login, string branch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Branch {Branch} already held this change from an earlier attempt; reused it")]
    private static partial void LogReusedBranch(ILogger logger, string branch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Branch {Branch} was left by an earlier attempt on an older base; moved it to the new commit")]
    private static partial void LogMovedBranch(ILogger logger, string branch);
}
