using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace SpecEditor.Container.Tests.Support;

/// <summary>
/// Looks for strings in every file of a tar stream: `docker save` (each layer.tar inside it, file by file) or `docker cp`.
/// Git's loose objects are zlib-compressed, so they are searched decompressed as well.
/// </summary>
public static partial class TarScanner
{
    /// <summary>The layer files, as "layer/path", that contain any of <paramref name="needles"/> (in their name or content).</summary>
    public static async Task<ScanResult> ScanImageAsync(string image, IReadOnlyCollection<string> needles)
    {
        var result = new ScanResult();
        await Cli.ReadOutputAsync("docker", ["save", image], async stream =>
        {
            using var archive = new TarReader(stream, leaveOpen: true);
            while (await archive.GetNextEntryAsync(copyData: false, TestContext.Current.CancellationToken) is { } entry)
            {
                // Only layers: the image's config (e.g. a committed container's environment) is metadata, not a file in a layer.
                if (entry.Name.EndsWith("layer.tar", StringComparison.Ordinal) && entry.DataStream is { } layer)
                {
                    result.Layers++;
                    await ScanAsync(layer, entry.Name, needles, result);
                }
            }
        }, new CliOptions { Timeout = TimeSpan.FromMinutes(5) });
        return result;
    }

    /// <summary>The files under <paramref name="path"/> in a container (including volumes mounted there) that contain any of <paramref name="needles"/>.</summary>
    public static async Task<ScanResult> ScanContainerPathAsync(string container, string path, IReadOnlyCollection<string> needles)
    {
        var result = new ScanResult();
        await Cli.ReadOutputAsync("docker", ["cp", $"{container}:{path}", "-"], stream => ScanAsync(stream, container, needles, result));
        return result;
    }

    private static async Task ScanAsync(Stream tar, string source, IReadOnlyCollection<string> needles, ScanResult result)
    {
        var patterns = needles.Select(Encoding.UTF8.GetBytes).ToArray();
        using var reader = new TarReader(tar, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, TestContext.Current.CancellationToken) is { } entry)
        {
            byte[] content = [];
            if (entry.DataStream is { } data)
            {
                using var buffer = new MemoryStream();
                await data.CopyToAsync(buffer, TestContext.Current.CancellationToken);
                content = buffer.ToArray();
                result.Files++;
                if (GitLooseObject().IsMatch(entry.Name))
                {
                    using var inflated = new MemoryStream();
                    await using (var zlib = new ZLibStream(new MemoryStream(content), CompressionMode.Decompress))
                    {
                        await zlib.CopyToAsync(inflated, TestContext.Current.CancellationToken);
                    }

                    content = [.. content, .. inflated.ToArray()];
                }
            }

            var name = Encoding.UTF8.GetBytes(entry.Name + "\n" + entry.LinkName);
            for (var i = 0; i < patterns.Length; i++)
            {
                if (content.AsSpan().IndexOf(patterns[i]) >= 0 || name.AsSpan().IndexOf(patterns[i]) >= 0)
                {
                    result.Hits.Add($"{source}/{entry.Name} contains \"{needles.ElementAt(i)}\"");
                }
            }
        }
    }

    [GeneratedRegex("/objects/[0-9a-f]{2}/[0-9a-f]{38}$")]
    private static partial Regex GitLooseObject();
}

public sealed class ScanResult
{
    public int Layers { get; set; }

    public int Files { get; set; }

    public List<string> Hits { get; } = [];
}
