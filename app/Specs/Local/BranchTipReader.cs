using System.Text;

namespace SpecEditor.Specs.Local;

/// <summary>
/// Reads a branch's tip straight from git's ref files, which costs a file read instead of opening the repository.
/// Requests check the tip every time, so a commit made outside the app is never hidden behind a cache.
/// </summary>
internal sealed class BranchTipReader(string gitDirectory, string branch)
{
    private readonly string _loosePath = Path.Combine(gitDirectory, "refs", "heads", branch);
    private readonly string _packedPath = Path.Combine(gitDirectory, "packed-refs");
    private readonly string _refName = "refs/heads/" + branch;
    private PackedRefs? _packed;

    /// <summary>The tip's commit id, or null when the branch does not exist.</summary>
    public string? Read()
    {
        try
        {
            var loose = File.ReadAllBytes(_loosePath);
            if (loose.Length >= 40)
            {
                return Encoding.ASCII.GetString(loose, 0, 40);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Not a loose ref: git may have packed it.
        }

        return ReadPacked();
    }

    private string? ReadPacked()
    {
        var info = new FileInfo(_packedPath);
        if (!info.Exists)
        {
            return null;
        }

        var stamp = (info.LastWriteTimeUtc.Ticks, info.Length);
        var packed = _packed;
        if (packed is null || packed.Stamp != stamp)
        {
            string? tip = null;
            foreach (var line in File.ReadLines(_packedPath))
            {
                if (line.Length > 41 && line[40] == ' ' && line.AsSpan(41).SequenceEqual(_refName))
                {
                    tip = line[..40];
                    break;
                }
            }

            packed = new PackedRefs(stamp, tip);
            _packed = packed;
        }

        return packed.Tip;
    }

    private sealed record PackedRefs((long Ticks, long Length) Stamp, string? Tip);
}
