using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LibGit2Sharp;
using LibGit2Sharp.Handlers;
using Microsoft.Extensions.Options;
using SpecEditor.Automation.Agents;
using SpecEditor.Hosting;

namespace SpecEditor.Automation.Engine;

/// <summary>A file the phases added or changed, with its line counts against the base commit.</summary>
public sealed record ChangedFile(string Path, string Status, int Added, int Deleted);

/// <summary>The one commit a publication consists of.</summary>
public sealed record PublishedCommit(string Sha, string Branch, IReadOnlyList<ChangedFile> Files, string DiffSummary);

/// <summary>
/// Per-run workspaces: a clone of the run's repository at its base branch under <c>AUTOMATION_WORK_DIR/&lt;run id&gt;</c>,
/// mounted into each phase's job. Publishing builds one commit on top of the base commit from whatever the phases wrote.
/// </summary>
public sealed partial class Workspace(IOptions<AutomationSettings> settings, IOptions<HostingSettings> hosting, SecretRedactor redactor)
{
    /// <summary>Names the folder a clone is made in before it becomes the run's workspace; never a run id (those are hex).</summary>
    private const string PartialPrefix = ".clone-";

    public string Root { get; } = settings.Value.WorkDir is { Length: > 0 } configured
        ? configured
        : Path.Combine(hosting.Value.DataDir, "automation", "work");

    public string PathOf(string runId) => Path.Combine(Root, runId);

    public bool Exists(string runId) => Repository.IsValid(PathOf(runId));

    /// <summary>
    /// Clones <paramref name="source"/> at <paramref name="branch"/> afresh; returns the base commit and the Spec Kit feature folder
    /// for the run. Gives up when <paramref name="cancellationToken"/> fires (step timeout, run deadline, cancel, shutdown).
    /// </summary>
    public Task<(string BaseCommit, string FeatureDir)> CloneAsync(string runId, string source, string branch, string description, CredentialsHandler? credentials, bool openToJobUser, CancellationToken cancellationToken) =>
        GiveUpOnCancel(() => Clone(runId, source, branch, description, credentials, openToJobUser, cancellationToken), cancellationToken);

    /// <summary>Force-pushes the branch (a re-publication replaces the earlier commit) to <paramref name="remoteUrl"/>; gives up when <paramref name="cancellationToken"/> fires.</summary>
    public Task PushAsync(string runId, string remoteUrl, IEnumerable<string> refspecs, CredentialsHandler? credentials, CancellationToken cancellationToken) =>
        GiveUpOnCancel(() => Push(runId, remoteUrl, refspecs, credentials, cancellationToken), cancellationToken);

    private (string BaseCommit, string FeatureDir) Clone(string runId, string source, string branch, string description, CredentialsHandler? credentials, bool openToJobUser, CancellationToken cancellationToken)
    {
        var path = PathOf(runId);
        Delete(runId);
        Directory.CreateDirectory(Root);

        // An attempt that gave up may still be cloning (blocked in a read), and libgit2 deletes the folder of a clone that
        // fails. So each attempt clones into a folder of its own and moves it into place only if it is still wanted. Folders
        // of earlier attempts go first: left by a crash, or in use by an attempt that gave up, which then fails.
        foreach (var leftover in Directory.GetDirectories(Root, $"{PartialPrefix}{runId}-*"))
        {
            try
            {
                DeleteFolder(leftover);
            }
            catch (IOException)
            {
                // Still being written: the next clone of the run tries again, and nothing reads these folders meanwhile.
            }
        }

        var partial = Path.Combine(Root, $"{PartialPrefix}{runId}-{Guid.NewGuid():N}");
        var options = new CloneOptions { BranchName = branch, Checkout = true };
        options.FetchOptions.CredentialsProvider = credentials;
        options.FetchOptions.OnTransferProgress = _ => !cancellationToken.IsCancellationRequested;
        options.FetchOptions.OnProgress = _ => !cancellationToken.IsCancellationRequested;
        options.FetchOptions.RepositoryOperationStarting = _ => !cancellationToken.IsCancellationRequested;
        try
        {
            Repository.Clone(source, partial, options);
            cancellationToken.ThrowIfCancellationRequested();
            Directory.Move(partial, path);
        }
        catch (NotFoundException ex)
        {
            throw new PermanentStepException($"the branch '{branch}' does not exist in the repository", ex);
        }
        catch (RepositoryNotFoundException ex)
        {
            throw new PermanentStepException("the repository cannot be found", ex);
        }
        catch (LibGit2SharpException ex) when (ex.Message.Contains("reference", StringComparison.OrdinalIgnoreCase) && ex.Message.Contains(branch, StringComparison.Ordinal))
        {
            throw new PermanentStepException($"the branch '{branch}' does not exist in the repository", ex);
        }
        catch (LibGit2SharpException ex)
        {
            throw new TransientStepException($"cloning failed: {redactor.Redact(ex.Message)}", ex);
        }
        finally
        {
            DeleteFolder(partial);
        }

        using var repo = new Repository(path);
        var featureDir = NextFeatureDir(repo.Head.Tip.Tree, description);
        Directory.CreateDirectory(Path.Combine(path, featureDir));
        if (openToJobUser)
        {
            OpenToJobUser(path);
        }

        return (repo.Head.Tip.Sha, featureDir);
    }

    /// <summary>True when the phase left a non-empty <paramref name="relativePath"/> in the workspace.</summary>
    public bool HasFile(string runId, string relativePath)
    {
        var full = Path.GetFullPath(Path.Combine(PathOf(runId), relativePath));
        return full.StartsWith(PathOf(runId) + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(full) && new FileInfo(full).Length > 0;
    }

    /// <summary>
    /// Builds one commit on top of <paramref name="baseCommit"/> holding everything the phases wrote (secrets masked first) and
    /// points <paramref name="branch"/> at it. Publishing again rebuilds the same single commit instead of stacking another.
    /// </summary>
    public PublishedCommit Commit(string runId, string baseCommit, string branch, string message, Signature author, Action<string> onRedacted)
    {
        using var repo = new Repository(PathOf(runId));
        foreach (var entry in repo.RetrieveStatus(new StatusOptions { IncludeUntracked = true, RecurseUntrackedDirs = true }))
        {
            if (entry.State.HasFlag(FileStatus.DeletedFromWorkdir))
            {
                continue;
            }

            var full = Path.Combine(repo.Info.WorkingDirectory, entry.FilePath);
            if (!File.Exists(full) || IsLink(full))
            {
                // A link the agent left is committed as a link (its target path), never followed: reading or rewriting
                // through it would reach files of the app's own host, such as its database or keys.
                continue;
            }

            var content = File.ReadAllBytes(full);
            var redacted = redactor.Redact(content, out var changed);
            if (changed)
            {
                File.WriteAllBytes(full, redacted);
                onRedacted(entry.FilePath);
            }
        }

        Commands.Stage(repo, "*");
        var baseTree = repo.Lookup<LibGit2Sharp.Commit>(baseCommit).Tree;
        var tree = repo.ObjectDatabase.CreateTree(repo.Index);
        // Status from the tree changes, line counts from the patch statistics. Not Compare<Patch>: it prints the patch
        // through libgit2's per-line callback, which receives no hunk for header lines, and the Native AOT marshaller
        // throws on that null instead of passing it on (the process dies, since it throws inside a native callback).
        var stats = repo.Diff.Compare<PatchStats>(baseTree, tree);
        var files = repo.Diff.Compare<TreeChanges>(baseTree, tree)
            .Select(change => (change, lines: stats[change.Path]))
            .Select(c => new ChangedFile(c.change.Path, c.change.Status.ToString().ToLowerInvariant(), c.lines?.LinesAdded ?? 0, c.lines?.LinesDeleted ?? 0))
            .ToArray();
        if (files.Length == 0)
        {
            throw new PermanentStepException("the phases changed nothing in the repository; there is nothing to publish");
        }

        var commit = repo.ObjectDatabase.CreateCommit(author, author, message, tree, [repo.Lookup<LibGit2Sharp.Commit>(baseCommit)], prettifyMessage: false);
        repo.Refs.Add("refs/heads/" + branch, commit.Id, allowOverwrite: true);
        return new PublishedCommit(commit.Sha, branch, files, DiffSummary(baseCommit, commit.Sha, branch, files));
    }

    private void Push(string runId, string remoteUrl, IEnumerable<string> refspecs, CredentialsHandler? credentials, CancellationToken cancellationToken)
    {
        using var repo = new Repository(PathOf(runId));
        var remote = repo.Network.Remotes["publish"];
        if (remote is null || remote.Url != remoteUrl)
        {
            if (remote is not null)
            {
                repo.Network.Remotes.Remove("publish");
            }

            repo.Network.Remotes.Add("publish", remoteUrl);
        }

        string? failure = null;
        var options = new PushOptions
        {
            CredentialsProvider = credentials,
            OnPushStatusError = error => failure = $"{error.Reference}: {error.Message}",
            OnNegotiationCompletedBeforePush = _ => !cancellationToken.IsCancellationRequested,
            OnPackBuilderProgress = (_, _, _) => !cancellationToken.IsCancellationRequested,
            OnPushTransferProgress = (_, _, _) => !cancellationToken.IsCancellationRequested,
        };
        try
        {
            repo.Network.Push(repo.Network.Remotes["publish"], refspecs, options);
        }
        catch (LibGit2SharpException ex)
        {
            throw new TransientStepException($"pushing failed: {redactor.Redact(ex.Message)}", ex);
        }

        if (failure is not null)
        {
            throw new TransientStepException($"the remote refused the push: {redactor.Redact(failure)}");
        }
    }

    /// <summary>The files of the published commit, for artifacts and the dry-run result.</summary>
    public IEnumerable<(string Path, byte[] Content)> ReadFiles(string runId, string commitSha, IEnumerable<ChangedFile> files)
    {
        using var repo = new Repository(PathOf(runId));
        var commit = repo.Lookup<LibGit2Sharp.Commit>(commitSha);
        foreach (var file in files)
        {
            if (commit[file.Path]?.Target is Blob blob)
            {
                using var stream = blob.GetContentStream();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                yield return (file.Path, buffer.ToArray());
            }
        }
    }

    public void Delete(string runId) => DeleteFolder(PathOf(runId));

    /// <summary>Run ids that have a workspace folder.</summary>
    public IReadOnlyList<string> List() =>
        Directory.Exists(Root) ? Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().Where(name => !name.StartsWith(PartialPrefix, StringComparison.Ordinal)).ToArray() : [];

    /// <summary>
    /// Runs a blocking libgit2 operation on the thread pool and stops waiting for it when <paramref name="cancellationToken"/>
    /// fires. libgit2 has no network timeout here, and a remote that accepts and then stays silent blocks it in a read that no
    /// token reaches; the operation's progress callbacks abort it once data moves again, and its thread is not waited for.
    /// </summary>
    private static Task<T> GiveUpOnCancel<T>(Func<T> operation, CancellationToken cancellationToken) =>
        Task.Run(operation, cancellationToken).WaitAsync(cancellationToken);

    private static Task GiveUpOnCancel(Action operation, CancellationToken cancellationToken) =>
        Task.Run(operation, cancellationToken).WaitAsync(cancellationToken);

    private static void DeleteFolder(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        // Git object files are read-only; clear that first so the delete succeeds. Not through links: that would change the
        // mode of whatever file an agent's link points at.
        foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(file => !IsLink(file)))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(path, recursive: true);
    }

    /// <summary>
    /// Spec Kit numbers features <c>specs/NNN-short-name</c>: the next free number after those on the base branch, and a
    /// short name from the description's first words.
    /// </summary>
    internal static string NextFeatureDir(Tree tree, string description)
    {
        var highest = 0;
        if (tree["specs"]?.Target is Tree specs)
        {
            foreach (var entry in specs.Where(e => e.TargetType == TreeEntryTargetType.Tree))
            {
                var match = FeatureNumber().Match(entry.Name);
                if (match.Success)
                {
                    highest = Math.Max(highest, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
                }
            }
        }

        var words = Words().Matches(description.ToLowerInvariant()).Select(m => m.Value).Where(w => w.Length > 2).Take(4).ToArray();
        var slug = words.Length == 0 ? "feature" : string.Join('-', words);
        if (slug.Length > 40)
        {
            slug = slug[..40].TrimEnd('-');
        }

        return $"specs/{(highest + 1).ToString("000", CultureInfo.InvariantCulture)}-{slug}";
    }

    private static string DiffSummary(string baseCommit, string commit, string branch, IReadOnlyList<ChangedFile> files)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"branch {branch}\nbase   {baseCommit}\ncommit {commit}\n\n");
        foreach (var file in files)
        {
            text.Append(CultureInfo.InvariantCulture, $"{file.Status,-9} +{file.Added,-5} -{file.Deleted,-5} {file.Path}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\n{files.Count} file(s) changed, {files.Sum(f => f.Added)} insertion(s), {files.Sum(f => f.Deleted)} deletion(s)\n");
        return text.ToString();
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>Jobs run as a different, unprivileged user than the app here: let them write the working tree.</summary>
    private static void OpenToJobUser(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const UnixFileMode all = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        const UnixFileMode search = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(path, all | search);
        foreach (var directory in Directory.EnumerateDirectories(path, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(directory, all | search);
        }

        foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
        {
            var mode = File.GetUnixFileMode(file);
            File.SetUnixFileMode(file, mode | all);
        }
    }

    [GeneratedRegex(@"^(\d{3})-")]
    private static partial Regex FeatureNumber();

    [GeneratedRegex("[a-z0-9]+")]
    private static partial Regex Words();
}
