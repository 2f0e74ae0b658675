using System.Globalization;
using LibGit2Sharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using Microsoft.Extensions.Options;
using SpecEditor.Hosting;

namespace SpecEditor.Specs.Local;

/// <summary>
/// The embedded default store: a bare git repository on disk. Reads come from the base branch's tree; a save writes a blob,
/// a tree and one commit on a new branch without a working copy, and records a change request that can be merged or closed here.
/// </summary>
public sealed partial class LocalGitStore : ISpecStore, IChangeReview, ILocalReads, IDisposable
{
    private readonly SpecsSettings _settings;
    private readonly PodPaths _paths;
    private readonly LocalChangeRepository _changes;
    private readonly TimeProvider _clock;
    private readonly ILogger<LocalGitStore> _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private BranchTipReader? _tipReader;
    private RepositorySnapshot? _snapshot;
    private IReadOnlyList<ChangeRequest>? _openChanges;

    public LocalGitStore(
        IOptions<SpecsSettings> settings,
        IOptions<HostingSettings> hosting,
        PodPaths paths,
        LocalChangeRepository changes,
        TimeProvider clock,
        ILogger<LocalGitStore> logger)
    {
        _settings = settings.Value;
        _paths = paths;
        _changes = changes;
        _clock = clock;
        _logger = logger;
        RepositoryPath = _settings.LocalRepositoryPath(hosting.Value.DataDir);
    }

    public string Kind => "local";

    public string RepositoryPath { get; }

    private string BaseBranch => _settings.BaseBranch;

    /// <summary>Creates and seeds the repository on first run; finishes or removes changes a crash left half-written.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (!Repository.IsValid(RepositoryPath))
        {
            Directory.CreateDirectory(RepositoryPath);
            Repository.Init(RepositoryPath, isBare: true);
            LogCreated(_logger, RepositoryPath);
        }

        using (var repo = new Repository(RepositoryPath))
        {
            if (repo.Branches[BaseBranch] is null)
            {
                if (repo.Head.Tip is not null)
                {
                    throw new StoreUnavailableException($"The local repository {RepositoryPath} has no branch '{BaseBranch}' (WORKFLOW_BRANCH).");
                }

                Seed(repo);
            }

            _tipReader = new BranchTipReader(repo.Info.Path, BaseBranch);
        }

        foreach (var row in await _changes.ListUnfinishedAsync(cancellationToken).ConfigureAwait(false))
        {
            await _changes.DeleteAsync(row.Id).ConfigureAwait(false);
            LogRemovedUnfinished(_logger, row.Id);
        }
    }

    public ValueTask<RepositorySnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var tip = TipReader.Read() ?? throw new StoreUnavailableException($"The branch '{BaseBranch}' does not exist in {RepositoryPath}.");
        var cached = _snapshot;
        if (cached is not null && cached.CommitSha == tip)
        {
            return ValueTask.FromResult(cached);
        }

        using var repo = Open();
        var snapshot = ReadSnapshot(repo.Lookup<Commit>(tip));
        _snapshot = snapshot;
        return ValueTask.FromResult(snapshot);
    }

    public Task<byte[]> ReadBlobAsync(string blobSha, CancellationToken cancellationToken)
    {
        using var repo = Open();
        var blob = repo.Lookup<Blob>(blobSha) ?? throw new StoreUnavailableException($"The blob {blobSha} is not in the local repository.");
        return Task.FromResult(ReadAll(blob));
    }

    public Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(PodId pod, int limit, CancellationToken cancellationToken)
    {
        using var repo = Open();
        var path = _paths.SpecPath(pod);
        var filter = new CommitFilter { IncludeReachableFrom = repo.Branches[BaseBranch], SortBy = CommitSortStrategies.Topological | CommitSortStrategies.Time };
        IReadOnlyList<HistoryEntry> entries = repo.Commits.QueryBy(path, filter)
            .Take(limit)
            .Select(entry => new HistoryEntry(entry.Commit.Sha, entry.Commit.MessageShort, entry.Commit.Author.Name, entry.Commit.Author.When, Url: null))
            .ToArray();
        return Task.FromResult(entries);
    }

    public async Task<ChangeRequest> ProposeAsync(ChangeProposal proposal, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var repo = Open();
            var tip = repo.Branches[BaseBranch].Tip;
            var current = tip[proposal.Path]?.Target as Blob;
            if (proposal.Kind == ChangeKind.Create && current is not null)
            {
                throw new PodExistsException(proposal.Pod);
            }

            if (proposal.Kind == ChangeKind.Edit && current?.Sha != proposal.ExpectedBlobSha)
            {
                throw current is null ? new PodNotFoundException(proposal.Pod) : new SpecConflictException(proposal.Pod, proposal.ExpectedBlobSha, current.Sha);
            }

            var now = _clock.GetUtcNow();
            var id = await _changes.TryInsertOpenAsync(proposal, tip.Sha, now, cancellationToken).ConfigureAwait(false);
            if (id is null)
            {
                var existing = await _changes.FindOpenAsync(proposal.Pod, cancellationToken).ConfigureAwait(false);
                throw new DuplicateChangeException(existing!.ToChangeRequest());
            }

            var branch = $"changes/{id}-{proposal.Pod.Customer}-{proposal.Pod.Environment}";
            try
            {
                var commit = WriteCommit(repo, tip, proposal, now);
                repo.Refs.Add("refs/heads/" + branch, commit.Id);
                await _changes.CompleteAsync(id.Value, branch, commit.Sha, now, CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                // Leave nothing half-made: no branch without a change, no change without a branch.
                if (repo.Refs["refs/heads/" + branch] is { } made)
                {
                    repo.Refs.Remove(made);
                }

                await _changes.DeleteAsync(id.Value).ConfigureAwait(false);
                throw;
            }

            _openChanges = null;
            var row = await _changes.GetAsync(id.Value, CancellationToken.None).ConfigureAwait(false);
            LogProposed(_logger, row!.Id, proposal.Pod, proposal.Author.Login);
            return row.ToChangeRequest();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask<IReadOnlyList<ChangeRequest>> ListOpenChangesAsync(CancellationToken cancellationToken)
    {
        if (_openChanges is { } cached)
        {
            return cached;
        }

        var rows = await _changes.ListAsync(ChangeState.Open, int.MaxValue, cancellationToken).ConfigureAwait(false);
        var open = rows.Where(r => r.HeadCommit is not null).Select(r => r.ToChangeRequest()).ToArray();
        _openChanges = open;
        return open;
    }

    public async Task<IReadOnlyList<ChangeRequest>> ListChangesAsync(ChangeState? state, int limit, CancellationToken cancellationToken)
    {
        var rows = await _changes.ListAsync(state, limit, cancellationToken).ConfigureAwait(false);
        return rows.Where(r => r.HeadCommit is not null).Select(r => r.ToChangeRequest()).ToArray();
    }

    public async Task<ChangeRequest?> GetChangeAsync(string id, CancellationToken cancellationToken)
    {
        var row = await FindRowAsync(id, cancellationToken).ConfigureAwait(false);
        return row?.ToChangeRequest();
    }

    public async Task<ChangeContent?> GetChangeContentAsync(string id, CancellationToken cancellationToken)
    {
        var row = await FindRowAsync(id, cancellationToken).ConfigureAwait(false);
        if (row?.HeadCommit is null)
        {
            return null;
        }

        using var repo = Open();
        var path = _paths.SpecPath(new PodId(row.Customer, row.Environment));
        var before = repo.Lookup<Commit>(row.BaseCommit)?[path]?.Target as Blob;
        var after = repo.Lookup<Commit>(row.HeadCommit)?[path]?.Target as Blob;
        return new ChangeContent(path, before is null ? null : ReadAll(before), after is null ? null : ReadAll(after));
    }

    public async Task<ChangeRequest> MergeAsync(string id, Actor actor, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var row = await RequireOpenAsync(id, cancellationToken).ConfigureAwait(false);
            using var repo = Open();
            var baseRef = repo.Refs["refs/heads/" + BaseBranch];
            var tip = repo.Lookup<Commit>(baseRef.TargetIdentifier);
            var head = repo.Lookup<Commit>(row.HeadCommit!);
            Commit merged;
            if (tip.Sha == row.BaseCommit)
            {
                merged = head;
            }
            else
            {
                var result = repo.ObjectDatabase.MergeCommits(tip, head, new MergeTreeOptions { FailOnConflict = false });
                if (result.Status == MergeTreeStatus.Conflicts)
                {
                    throw new MergeConflictException(id);
                }

                var signature = new Signature(actor.Name, actor.Email, _clock.GetUtcNow());
                merged = repo.ObjectDatabase.CreateCommit(signature, signature, $"Merge change {id}: {row.Title}\n", result.Tree, [tip, head], prettifyMessage: false);
            }

            repo.Refs.UpdateTarget(baseRef, merged.Id, $"spec-editor: merge change {id}");
            await _changes.FinishAsync(row.Id, ChangeState.Merged, _clock.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            _openChanges = null;
            return (await _changes.GetAsync(row.Id, CancellationToken.None).ConfigureAwait(false))!.ToChangeRequest();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<ChangeRequest> CloseAsync(string id, Actor actor, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var row = await RequireOpenAsync(id, cancellationToken).ConfigureAwait(false);
            await _changes.FinishAsync(row.Id, ChangeState.Closed, _clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            _openChanges = null;
            return (await _changes.GetAsync(row.Id, CancellationToken.None).ConfigureAwait(false))!.ToChangeRequest();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task<string> CheckAsync(CancellationToken cancellationToken)
    {
        var tip = TipReader.Read() ?? throw new StoreUnavailableException($"The branch '{BaseBranch}' does not exist in {RepositoryPath}.");
        return Task.FromResult($"local repository at {tip[..12]} on {BaseBranch}");
    }

    public void Dispose() => _writeLock.Dispose();

    private BranchTipReader TipReader => _tipReader ?? throw new StoreUnavailableException("The local store is not initialised yet.");

    private Repository Open()
    {
        try
        {
            return new Repository(RepositoryPath);
        }
        catch (LibGit2SharpException ex)
        {
            throw new StoreUnavailableException($"The local repository {RepositoryPath} cannot be opened: {ex.Message}", ex);
        }
    }

    private async Task<LocalChangeRepository.ChangeRow?> FindRowAsync(string id, CancellationToken cancellationToken) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? await _changes.GetAsync(number, cancellationToken).ConfigureAwait(false)
            : null;

    private async Task<LocalChangeRepository.ChangeRow> RequireOpenAsync(string id, CancellationToken cancellationToken)
    {
        var row = await FindRowAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new ChangeNotFoundException(id);
        var state = Enum.Parse<ChangeState>(row.State, ignoreCase: true);
        if (state != ChangeState.Open || row.HeadCommit is null)
        {
            throw new ChangeStateException(id, state);
        }

        return row;
    }

    private RepositorySnapshot ReadSnapshot(Commit commit)
    {
        var pods = new List<PodEntry>();
        string? schemaSha = null;
        if (commit[_paths.SpecsPath]?.Target is Tree specs)
        {
            schemaSha = (specs[PodPaths.SchemaFileName]?.Target as Blob)?.Sha;
            foreach (var customer in specs.Where(e => e.TargetType == TreeEntryTargetType.Tree))
            {
                foreach (var environment in ((Tree)customer.Target).Where(e => e.TargetType == TreeEntryTargetType.Tree))
                {
                    if (((Tree)environment.Target)[PodPaths.SpecFileName]?.Target is Blob blob
                        && _paths.TryParseSpecPath($"{_paths.SpecsPath}/{customer.Name}/{environment.Name}/{PodPaths.SpecFileName}", out var pod))
                    {
                        pods.Add(new PodEntry(pod, _paths.SpecPath(pod), blob.Sha, blob.Size));
                    }
                }
            }
        }

        return new RepositorySnapshot(commit.Sha, pods, schemaSha);
    }

    private static Commit WriteCommit(Repository repo, Commit tip, ChangeProposal proposal, DateTimeOffset now)
    {
        using var content = new MemoryStream(proposal.Content, writable: false);
        var blob = repo.ObjectDatabase.CreateBlob(content, proposal.Path);
        var definition = TreeDefinition.From(tip.Tree).Add(proposal.Path, blob, Mode.NonExecutableFile);
        var tree = repo.ObjectDatabase.CreateTree(definition);
        var signature = new Signature(proposal.Author.Name, proposal.Author.Email, now);
        var message = $"{proposal.Title}\n\n{proposal.Description}\n";
        return repo.ObjectDatabase.CreateCommit(signature, signature, message, tree, [tip], prettifyMessage: false);
    }

    private void Seed(Repository repo)
    {
        var definition = new TreeDefinition();
        AddFile(repo, definition, "README.md", LocalStoreSeed.Readme(_paths.SpecsPath));
        foreach (var (customer, environment, instanceType, waf) in LocalStoreSeed.Pods.Where(p => _paths.Environments.Contains(p.Environment)))
        {
            AddFile(repo, definition, _paths.SpecPath(new PodId(customer, environment)), LocalStoreSeed.Spec(customer, environment, instanceType, waf));
        }

        var tree = repo.ObjectDatabase.CreateTree(definition);
        var signature = new Signature("Spec Editor", "spec-editor@localhost", _clock.GetUtcNow());
        var commit = repo.ObjectDatabase.CreateCommit(signature, signature, "Seed sample pods\n", tree, [], prettifyMessage: false);
        repo.Refs.Add("refs/heads/" + BaseBranch, commit.Id);
        repo.Refs.UpdateTarget(repo.Refs.Head, "refs/heads/" + BaseBranch);
        LogSeeded(_logger, LocalStoreSeed.Pods.Length, BaseBranch);
    }

    private static void AddFile(Repository repo, TreeDefinition definition, string path, string text)
    {
        using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        definition.Add(path, repo.ObjectDatabase.CreateBlob(content, path), Mode.NonExecutableFile);
    }

    private static byte[] ReadAll(Blob blob)
    {
        using var stream = blob.GetContentStream();
        using var buffer = new MemoryStream((int)blob.Size);
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the local spec repository at {Path}")]
    private static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {Count} sample pods on {Branch}")]
    private static partial void LogSeeded(ILogger logger, int count, string branch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed change {Id}: a crash left it without a branch")]
    private static partial void LogRemovedUnfinished(ILogger logger, long id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Opened change {Id} for {Pod} by {Login}")]
    private static partial void LogProposed(ILogger logger, long id, PodId pod, string login);
}
