using SpecEditor.Specs;

namespace SpecEditor.Tests.Specs;

public sealed class UnifiedDiffTests
{
    [Fact]
    public void Changed_lines_come_with_three_lines_of_context_like_git()
    {
        var before = string.Join('\n', Enumerable.Range(1, 10).Select(i => $"line {i}")) + "\n";
        var after = before.Replace("line 5", "line five", StringComparison.Ordinal);

        var diff = UnifiedDiff.Create("specs/a/dev/spec.yml", before, after);

        Assert.Equal(
            "--- a/specs/a/dev/spec.yml\n+++ b/specs/a/dev/spec.yml\n@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n",
            diff);
    }

    [Fact]
    public void A_new_file_is_all_additions()
    {
        Assert.Equal("--- /dev/null\n+++ b/x.yml\n@@ -0,0 +1,2 @@\n+a: 1\n+b: 2\n", UnifiedDiff.Create("x.yml", null, "a: 1\nb: 2\n"));
    }

    [Fact]
    public void Identical_text_has_no_diff()
    {
        Assert.Equal("", UnifiedDiff.Create("x.yml", "a: 1\n", "a: 1\n"));
    }
}
