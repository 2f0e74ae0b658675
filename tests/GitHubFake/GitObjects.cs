using System.Security.Cryptography;
using System.Text;

namespace SpecEditor.GitHubFake;

public sealed record TreeEntry(string Name, string Mode, string Type, string Sha);

public sealed record GitCommit(string Sha, string Tree, IReadOnlyList<string> Parents, string Message, string AuthorName, string AuthorEmail, DateTimeOffset Date, string? AuthorLogin);

/// <summary>Git's object database with real object ids: a blob, tree or commit made here has the sha git would give it.</summary>
public sealed class GitObjects
{
    private readonly Dictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<TreeEntry>> _trees = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GitCommit> _commits = new(StringComparer.Ordinal);

    public string AddBlob(byte[] content)
    {
        var sha = Hash("blob", content);
        _blobs[sha] = content;
        return sha;
    }

    public byte[]? Blob(string sha) => _blobs.GetValueOrDefault(sha);

    public IReadOnlyList<TreeEntry>? Tree(string sha) => _trees.GetValueOrDefault(sha);

    public GitCommit? Commit(string sha) => _commits.GetValueOrDefault(sha);

    public bool Exists(string sha) => _blobs.ContainsKey(sha) || _trees.ContainsKey(sha) || _commits.ContainsKey(sha);

    public string AddTree(IEnumerable<TreeEntry> entries)
    {
        // Git orders entries by name, comparing a tree's name as if it ended in '/'.
        var sorted = entries.OrderBy(e => e.Type == "tree" ? e.Name + "/" : e.Name, StringComparer.Ordinal).ToArray();
        using var buffer = new MemoryStream();
        foreach (var entry in sorted)
        {
            var header = Encoding.UTF8.GetBytes($"{(entry.Type == "tree" ? "40000" : entry.Mode)} {entry.Name}\0");
            buffer.Write(header);
            buffer.Write(Convert.FromHexString(entry.Sha));
        }

        var sha = Hash("tree", buffer.ToArray());
        _trees[sha] = sorted;
        return sha;
    }

    public string AddCommit(string tree, IReadOnlyList<string> parents, string message, string name, string email, DateTimeOffset date, string? login)
    {
        var builder = new StringBuilder().Append("tree ").Append(tree).Append('\n');
        foreach (var parent in parents)
        {
            builder.Append("parent ").Append(parent).Append('\n');
        }

        var stamp = $"{name} <{email}> {date.ToUnixTimeSeconds()} +0000";
        builder.Append("author ").Append(stamp).Append('\n').Append("committer ").Append(stamp).Append("\n\n").Append(message);
        var sha = Hash("commit", Encoding.UTF8.GetBytes(builder.ToString()));
        _commits[sha] = new GitCommit(sha, tree, parents, message, name, email, date, login);
        return sha;
    }

    /// <summary>Every file under a tree, by full path: (mode, blob sha).</summary>
    public Dictionary<string, (string Mode, string Sha)> Flatten(string tree)
    {
        var files = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        Walk(tree, "", (path, entry) =>
        {
            if (entry.Type == "blob")
            {
                files[path] = (entry.Mode, entry.Sha);
            }
        });
        return files;
    }

    /// <summary>Every entry under a tree, depth first, subtrees before their contents (as GitHub lists a recursive tree).</summary>
    public void Walk(string tree, string prefix, Action<string, TreeEntry> visit)
    {
        foreach (var entry in _trees[tree])
        {
            var path = prefix + entry.Name;
            visit(path, entry);
            if (entry.Type == "tree")
            {
                Walk(entry.Sha, path + "/", visit);
            }
        }
    }

    /// <summary>Builds nested trees from full paths, the way git writes a working tree.</summary>
    public string BuildTree(IReadOnlyDictionary<string, (string Mode, string Sha)> files)
    {
        var entries = new List<TreeEntry>();
        foreach (var group in files.GroupBy(f => f.Key.Split('/', 2)[0], StringComparer.Ordinal))
        {
            var direct = group.FirstOrDefault(f => !f.Key.Contains('/', StringComparison.Ordinal));
            if (direct.Key is not null)
            {
                entries.Add(new TreeEntry(group.Key, direct.Value.Mode, "blob", direct.Value.Sha));
                continue;
            }

            var children = group.ToDictionary(f => f.Key[(group.Key.Length + 1)..], f => f.Value, StringComparer.Ordinal);
            entries.Add(new TreeEntry(group.Key, "040000", "tree", BuildTree(children)));
        }

        return AddTree(entries);
    }

    public static string Hash(string type, byte[] content)
    {
        var header = Encoding.ASCII.GetBytes($"{type} {content.Length}\0");
        return Convert.ToHexStringLower(SHA1.HashData([.. header, .. content]));
    }
}
