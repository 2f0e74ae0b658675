namespace SpecEditor.Specs;

/// <summary>One spec file found on the base branch.</summary>
public sealed record PodEntry(PodId Pod, string Path, string BlobSha, long Size);

/// <summary>The specs on the base branch at one commit. Immutable: a new commit gives a new snapshot.</summary>
public sealed class RepositorySnapshot(string commitSha, IReadOnlyList<PodEntry> pods, string? schemaBlobSha)
{
    private readonly Dictionary<PodId, PodEntry> _byPod = pods.ToDictionary(p => p.Pod);

    public string CommitSha { get; } = commitSha;

    public IReadOnlyList<PodEntry> Pods { get; } = pods;

    /// <summary>Blob of the repository's own schema file, when it has one.</summary>
    public string? SchemaBlobSha { get; } = schemaBlobSha;

    public PodEntry? Find(PodId pod) => _byPod.GetValueOrDefault(pod);
}

public sealed record HistoryEntry(string CommitSha, string Summary, string AuthorName, DateTimeOffset When, string? Url);

public enum ChangeKind
{
    Edit,
    Create,
}

public enum ChangeState
{
    Open,
    Merged,
    Closed,
}

/// <summary>
/// A proposed change to one pod: a branch with one commit, reviewed before it reaches the base branch.
/// In the local store it is a change request the app lists; in the GitHub store it is a pull request.
/// </summary>
public sealed record ChangeRequest(
    string Id,
    PodId Pod,
    ChangeKind Kind,
    string Title,
    string Description,
    string Branch,
    string BaseCommit,
    string? HeadCommit,
    string AuthorName,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ChangeState State,
    string? ExternalUrl);

/// <summary>Who makes a change. In the local store, the configured local author; with GitHub, the signed-in user.</summary>
public sealed record Actor(string Login, string Name, string Email);

/// <summary>What a save asks the store to do: write one file on a new branch and open a change for review.</summary>
public sealed record ChangeProposal(
    PodId Pod,
    ChangeKind Kind,
    string Path,
    string? ExpectedBlobSha,
    byte[] Content,
    string Title,
    string Description,
    Actor Author);

/// <summary>The file a change touches, before and after; null where it does not exist.</summary>
public sealed record ChangeContent(string Path, byte[]? Before, byte[]? After);

/// <summary>Reads specs from, and proposes changes to, a git repository (local or GitHub).</summary>
public interface ISpecStore
{
    /// <summary>"local" or "github".</summary>
    string Kind { get; }

    /// <summary>All pods on the base branch, from one read of its tree; cached until the branch moves.</summary>
    ValueTask<RepositorySnapshot> GetSnapshotAsync(CancellationToken cancellationToken);

    /// <summary>A file's bytes by blob id. Blobs never change, so callers may cache them forever.</summary>
    Task<byte[]> ReadBlobAsync(string blobSha, CancellationToken cancellationToken);

    Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(PodId pod, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the proposal on a new branch as one commit and opens a change for it.
    /// Throws <see cref="SpecConflictException"/> when the file is no longer at <see cref="ChangeProposal.ExpectedBlobSha"/>,
    /// <see cref="DuplicateChangeException"/> when the pod already has an open change,
    /// and <see cref="PodExistsException"/> when a create finds the pod already there.
    /// </summary>
    Task<ChangeRequest> ProposeAsync(ChangeProposal proposal, CancellationToken cancellationToken);

    /// <summary>Open changes, one per pod at most; cached until this store writes.</summary>
    ValueTask<IReadOnlyList<ChangeRequest>> ListOpenChangesAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<ChangeRequest>> ListChangesAsync(ChangeState? state, int limit, CancellationToken cancellationToken);

    Task<ChangeRequest?> GetChangeAsync(string id, CancellationToken cancellationToken);

    Task<ChangeContent?> GetChangeContentAsync(string id, CancellationToken cancellationToken);

    /// <summary>Throws when the store cannot be used; the message says why. Used by readiness.</summary>
    Task<string> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>Stores whose changes are reviewed inside this app (the local store) can merge and close them here.</summary>
public interface IChangeReview
{
    Task<ChangeRequest> MergeAsync(string id, Actor actor, CancellationToken cancellationToken);

    Task<ChangeRequest> CloseAsync(string id, Actor actor, CancellationToken cancellationToken);
}
