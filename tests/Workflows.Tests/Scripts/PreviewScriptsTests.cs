using System.Text.Json.Nodes;
using SpecEditor.Workflows.Tests.TestSupport;

namespace SpecEditor.Workflows.Tests.Scripts;

/// <summary>pulumi-preview.sh and preview-comment.sh: the preview of each stack, and the one comment made of them.</summary>
public sealed class PreviewScriptsTests : IDisposable
{
    private const string PreviewOutput = """
        Previewing update (dev)

          ~ aws:ec2/instance:Instance: (update)
              [urn=urn:pulumi:dev::spec-editor::spec-editor:host:ComposeHost$aws:ec2/instance:Instance::host]
            ~ userData: [secret] => [secret]
        Resources:
            + 1 to create
            ~ 1 to update
            14 unchanged

        Duration: 12s
        """;

    private readonly Script _script = new();

    public void Dispose() => _script.Dispose();

    [Fact]
    public async Task A_preview_keeps_its_output_and_a_one_line_summary_of_the_changes()
    {
        _script.Pulumi.Answer("preview", PreviewOutput);
        var dir = _script.Temp("previews/dev");

        var result = await _script.RunAsync("pulumi-preview.sh", "dev", dir);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["preview --stack dev --diff --non-interactive --suppress-progress --color never"], _script.Pulumi.Calls);
        Assert.Equal(PreviewOutput, File.ReadAllText(Path.Combine(dir, "output.txt")).Replace("\r", "", StringComparison.Ordinal));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "result.json")))!;
        Assert.Equal("dev", (string?)summary["stack"]);
        Assert.Equal("ok", (string?)summary["status"]);
        Assert.Equal("+ 1 to create, ~ 1 to update, 14 unchanged", (string?)summary["changes"]);
    }

    [Fact]
    public async Task A_failed_preview_fails_the_step_and_is_recorded_as_failed()
    {
        _script.Pulumi.Answer("preview", "error: spec-editor:registry: is required for target ec2\n", exitCode: 255);
        var dir = _script.Temp("previews/prod");

        var result = await _script.RunAsync("pulumi-preview.sh", "prod", dir);

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("is required for target ec2", File.ReadAllText(Path.Combine(dir, "output.txt")), StringComparison.Ordinal);
        Assert.Equal("failed", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "result.json")))!["status"]);
    }

    [Fact]
    public async Task The_comment_starts_with_its_marker_and_has_a_row_and_the_output_of_each_stack()
    {
        WriteResult("dev", "ok", "+ 1 to create, 14 unchanged", PreviewOutput);
        WriteResult("prod", "failed", "", "error: boom | pipe\n");
        _script.Environment["COMMIT_SHA"] = "0123456789abcdef0123456789abcdef01234567";
        _script.Environment["RUN_URL"] = "https://github.com/acme/specs/actions/runs/42";

        var result = await _script.RunAsync("preview-comment.sh", _script.Temp("results"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split('\n');
        Assert.Equal("<!-- spec-editor:pulumi-preview -->", lines[0]);
        Assert.Contains("Commit `0123456` · [workflow run](https://github.com/acme/specs/actions/runs/42)", lines);
        Assert.Contains("| `dev` | ✅ succeeded | + 1 to create, 14 unchanged |", lines);
        Assert.Contains("| `prod` | ❌ failed | - |", lines);
        Assert.Contains("<details><summary><code>pulumi preview --diff --stack prod</code></summary>", lines);
        Assert.Contains("error: boom | pipe", lines);
        Assert.Contains("    ~ userData: [secret] => [secret]", lines);
    }

    [Fact]
    public async Task A_huge_preview_is_cut_at_a_line_so_the_comment_stays_under_github_s_limit()
    {
        var huge = string.Concat(Enumerable.Range(0, 5000).Select(i => $"  + aws:ec2/securityGroupRule:SecurityGroupRule: (create) rule-{i:D5}\n"));
        WriteResult("dev", "ok", "+ 5000 to create", huge);
        WriteResult("prod", "ok", "+ 5000 to create", huge);

        var result = await _script.RunAsync("preview-comment.sh", _script.Temp("results"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.InRange(result.Output.Length, 50_000, 65_536);
        Assert.Equal(2, result.Output.Split('\n').Count(line => line == "... cut here: the full preview is in the workflow run log"));
        Assert.All(result.Output.Split('\n').Where(line => line.Contains("rule-", StringComparison.Ordinal)), line =>
            Assert.Matches(@"^  \+ aws:ec2/securityGroupRule:SecurityGroupRule: \(create\) rule-\d{5}$", line));
    }

    [Fact]
    public async Task Without_any_preview_the_comment_says_so()
    {
        Directory.CreateDirectory(_script.Temp("results"));

        var result = await _script.RunAsync("preview-comment.sh", _script.Temp("results"));

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("<!-- spec-editor:pulumi-preview -->\n", result.Output, StringComparison.Ordinal);
        Assert.Contains("No stack produced a preview", result.Output, StringComparison.Ordinal);
    }

    private void WriteResult(string stack, string status, string changes, string output)
    {
        _script.Write($"results/preview-{stack}/result.json", new JsonObject { ["stack"] = stack, ["status"] = status, ["changes"] = changes }.ToJsonString());
        _script.Write($"results/preview-{stack}/output.txt", output);
    }
}
