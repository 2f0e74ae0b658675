using System.Text;
using DiffPlex;

namespace SpecEditor.Specs;

/// <summary>Unified diffs (as <c>git diff</c> prints them) of two versions of a file.</summary>
public static class UnifiedDiff
{
    private const int Context = 3;

    public static string Create(string path, string? before, string? after)
    {
        var oldLines = SplitLines(before);
        var newLines = SplitLines(after);
        var result = Differ.Instance.CreateLineDiffs(string.Join('\n', oldLines), string.Join('\n', newLines), ignoreWhitespace: false);
        if (result.DiffBlocks.Count == 0 && (before is null) == (after is null))
        {
            return string.Empty;
        }

        var output = new StringBuilder()
            .Append(before is null ? "--- /dev/null" : $"--- a/{path}").Append('\n')
            .Append(after is null ? "+++ /dev/null" : $"+++ b/{path}").Append('\n');

        var blocks = result.DiffBlocks;
        var index = 0;
        while (index < blocks.Count)
        {
            // Blocks closer than two contexts apart share one hunk.
            var last = index;
            while (last + 1 < blocks.Count && blocks[last + 1].DeleteStartA - (blocks[last].DeleteStartA + blocks[last].DeleteCountA) <= 2 * Context)
            {
                last++;
            }

            var oldStart = Math.Max(0, blocks[index].DeleteStartA - Context);
            var oldEnd = Math.Min(oldLines.Length, blocks[last].DeleteStartA + blocks[last].DeleteCountA + Context);
            var newStart = Math.Max(0, blocks[index].InsertStartB - Context);
            var newEnd = Math.Min(newLines.Length, blocks[last].InsertStartB + blocks[last].InsertCountB + Context);
            output.Append($"@@ -{Range(oldStart, oldEnd - oldStart)} +{Range(newStart, newEnd - newStart)} @@\n");

            var oldLine = oldStart;
            for (var b = index; b <= last; b++)
            {
                var block = blocks[b];
                for (; oldLine < block.DeleteStartA; oldLine++)
                {
                    output.Append(' ').Append(oldLines[oldLine]).Append('\n');
                }

                for (var i = 0; i < block.DeleteCountA; i++)
                {
                    output.Append('-').Append(oldLines[block.DeleteStartA + i]).Append('\n');
                }

                for (var i = 0; i < block.InsertCountB; i++)
                {
                    output.Append('+').Append(newLines[block.InsertStartB + i]).Append('\n');
                }

                oldLine = block.DeleteStartA + block.DeleteCountA;
            }

            for (; oldLine < oldEnd; oldLine++)
            {
                output.Append(' ').Append(oldLines[oldLine]).Append('\n');
            }

            index = last + 1;
        }

        return output.ToString();
    }

    private static string Range(int start, int count) => count switch
    {
        0 => $"{start},0",
        1 => $"{start + 1}",
        _ => $"{start + 1},{count}",
    };

    private static string[] SplitLines(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }
}
