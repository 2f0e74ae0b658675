using System.Text;
using SpecEditor.Automation.Runners;

namespace SpecEditor.Tests.Automation.Runners;

/// <summary>How job output becomes lines: a line without end must not be held whole.</summary>
public sealed class LineSplitterTests
{
    [Fact]
    public async Task A_line_longer_than_the_maximum_is_passed_on_cut_before_its_newline_and_its_rest_is_dropped()
    {
        var lines = new List<string>();
        var splitter = new LineSplitter(OutputChannel.StdOut, (_, line) =>
        {
            lines.Add(line);
            return ValueTask.CompletedTask;
        });
        var chunk = Encoding.ASCII.GetBytes(new string('a', 16 * 1024));

        // Three times the maximum, and no newline yet.
        for (var i = 0; i < 3 * LineSplitter.MaxLineChars / chunk.Length; i++)
        {
            await splitter.WriteAsync(chunk);
        }

        var cut = Assert.Single(lines);
        Assert.Equal(new string('a', LineSplitter.MaxLineChars) + LineSplitter.CutMarker, cut);
        Assert.EndsWith(" [line cut at 1048576 characters]", cut, StringComparison.Ordinal);

        await splitter.WriteAsync(Encoding.ASCII.GetBytes("aaa\nthe next line\r\n"));
        await splitter.FlushAsync();
        Assert.Equal(["the next line"], lines.Skip(1));
    }

    [Fact]
    public async Task A_cut_never_splits_a_character_made_of_two_utf16_units()
    {
        var lines = new List<string>();
        var splitter = new LineSplitter(OutputChannel.StdErr, (_, line) =>
        {
            lines.Add(line);
            return ValueTask.CompletedTask;
        });

        // The emoji's two UTF-16 units straddle the maximum.
        await splitter.WriteAsync(Encoding.UTF8.GetBytes(new string('a', LineSplitter.MaxLineChars - 1) + "😀 and more\n"));

        var cut = Assert.Single(lines);
        Assert.Equal(new string('a', LineSplitter.MaxLineChars - 1) + LineSplitter.CutMarker, cut);
    }
}
